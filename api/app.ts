import type { Server } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyHttpOptions, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { LoggerOptions } from 'pino';
import type { Config } from '../lib/config.js';
import { redactText, withSecretCensoring } from '../lib/logger.js';
import { createApiMetrics, type ApiMetrics } from '../lib/metrics/api-metrics.js';
import type { IngressServices } from './deps.js';
import { instrumentWorkflowGateway } from './instrumented-gateway.js';
import errorHandler from './plugins/error-handler.js';
import formBody, { BODY_LIMITS } from './plugins/form-body.js';
import metricsPlugin from './plugins/metrics.js';
import abuseLimits from './plugins/rate-limit.js';
import { portalBucketOf } from './plugins/rate-limit-keys.js';
import { derivePageTokenKey } from './placements/page-token.js';
import bizprocRoutes from './routes/bitrix24/bizproc.js';
import eventRoutes from './routes/bitrix24/events.js';
import installRoutes from './routes/bitrix24/install.js';
import healthRoutes from './routes/health.js';
import apiItemRoutes from './routes/api-v1/items.js';
import apiRunRoutes from './routes/api-v1/runs.js';
import runsTabRoutes from './routes/placements/runs-tab.js';
import codecRoutes, { CODEC_PREFIX } from './routes/codec/codec-routes.js';

export interface AppDeps extends IngressServices {
  /** A ready pino logger (production, tests capturing lines), or options for one; redaction is always on for options. */
  logger?: FastifyBaseLogger | LoggerOptions;
  /** The metrics `GET /metrics` serves; a fresh registry per app when omitted (tests stay isolated). */
  metrics?: ApiMetrics;
}

function isLoggerInstance(logger: AppDeps['logger']): logger is FastifyBaseLogger {
  return typeof (logger as Partial<FastifyBaseLogger> | undefined)?.child === 'function';
}

const requestSerializer = (request: { method: string; url: string; ip?: string }) => ({
  method: request.method,
  url: redactText(request.url),
  remoteAddress: request.ip,
});

/** API_TRUST_PROXY as Fastify takes it: a hop count becomes "the first n hops are proxies". */
function trustedProxies(setting: Config['API_TRUST_PROXY']): FastifyServerOptions['trustProxy'] {
  return typeof setting === 'number' ? (_address: string, hop: number) => hop < setting : setting;
}

/** plugins/metrics.ts writes one line per request (with the workflow id) instead of Fastify's two. */
const singleRequestLine = () => new LogController({ disableRequestLogging: true });

/**
 * The ingress as a Fastify instance that never listens (api/server.ts does). Services arrive as plugin options rather
 * than decorations: a FastifyInstance type augmentation would be global to the whole project, emulator included.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { logger, metrics = createApiMetrics(), ...ingress } = deps;
  const services: IngressServices = { ...ingress, workflows: instrumentWorkflowGateway(ingress.workflows, metrics) };
  const { config } = services;
  // Slow senders are cut off: headers, then the whole request, each within its own deadline; idle sockets close.
  const server: FastifyHttpOptions<Server> = {
    bodyLimit: BODY_LIMITS.bodySize,
    logController: singleRequestLine(),
    requestTimeout: config.API_REQUEST_TIMEOUT_MS,
    connectionTimeout: config.API_CONNECTION_TIMEOUT_MS,
    // Node checks both deadlines every connectionsCheckingInterval (30 s by default): once a second keeps them honest.
    http: { headersTimeout: config.API_HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
    trustProxy: trustedProxies(config.API_TRUST_PROXY),
  };
  const app = isLoggerInstance(logger)
    ? Fastify({ ...server, loggerInstance: logger })
    : Fastify({
        ...server,
        logger: withSecretCensoring({
          level: services.config.LOG_LEVEL,
          ...logger,
          serializers: { req: requestSerializer, ...logger?.serializers },
        }),
      });

  await app.register(abuseLimits, {
    windowMs: config.API_RATE_LIMIT_WINDOW_SECONDS * 1000,
    perAddress: config.API_RATE_LIMIT_PER_ADDRESS,
    perPortal: config.API_RATE_LIMIT_PER_PORTAL,
    portalOf: portalBucketOf(derivePageTokenKey(config.PAYLOAD_CODEC_KEY), services.runsTab?.nowSeconds),
  });
  await app.register(errorHandler);
  await app.register(metricsPlugin, { metrics });
  await app.register(formBody);
  await app.register(healthRoutes, services);
  await app.register(bizprocRoutes, services);
  await app.register(eventRoutes, services);
  await app.register(installRoutes, services);
  await app.register(apiItemRoutes, services);
  await app.register(apiRunRoutes, services);
  await app.register(runsTabRoutes, services);
  await app.register(codecRoutes, { ...services, prefix: CODEC_PREFIX });
  return app;
}
