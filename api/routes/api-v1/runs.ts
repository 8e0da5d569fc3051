import type { FastifyPluginAsync } from 'fastify';
import type { IngressServices } from '../../deps.js';
import { ApiError, API_ERROR_CODES, apiErrors } from '../../errors.js';
import { assertApiKey } from './api-key.js';

/** Status of an external write: `GET /api/v1/runs/write/{idempotencyKey}` (the workflow id has a slash). */
const runRoutes: FastifyPluginAsync<IngressServices> = async (app, services) => {
  app.get('/api/v1/runs/*', async (request) => {
    assertApiKey(services.config, request);
    const writes = services.externalWrites;
    if (!writes) throw apiErrors.notFound();
    const workflowId = (request.params as { '*': string })['*'];
    const status = await writes.status(workflowId);
    if (!status) throw new ApiError(404, API_ERROR_CODES.notFound, 'no external write run with this id');
    return status;
  });
};

export default runRoutes;
