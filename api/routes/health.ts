import type { FastifyPluginAsync } from 'fastify';
import type { IngressServices } from '../deps.js';
import { API_ERROR_CODES } from '../errors.js';

export const READINESS_TIMEOUT_MS = 1000;

const statusSchema = {
  type: 'object',
  properties: { status: { type: 'string' }, error: { type: 'string' }, message: { type: 'string' } },
  required: ['status'],
} as const;

/** Resolves false instead of hanging when the check does not settle within the timeout. */
async function settlesTrue(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([check().then((healthy) => healthy === true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness says the process serves HTTP; readiness says it can also give a durable ack (Temporal answers). */
const healthRoutes: FastifyPluginAsync<IngressServices> = async (app, services) => {
  app.get('/healthz', { schema: { response: { 200: statusSchema } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { response: { 200: statusSchema, 503: statusSchema } } }, async (request, reply) => {
    if (await settlesTrue(services.temporalHealth, READINESS_TIMEOUT_MS)) return { status: 'ready' };
    request.log.warn('readiness check failed: Temporal is not healthy');
    return reply.code(503).send({
      status: 'unavailable',
      error: API_ERROR_CODES.notReady,
      message: `Temporal did not report healthy within ${READINESS_TIMEOUT_MS} ms`,
    });
  });
};

export default healthRoutes;
