import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { statusClass } from '../../lib/metrics/labels.js';
import type { ApiMetrics } from '../../lib/metrics/api-metrics.js';
import { redactText } from '../../lib/logger.js';
import { API_ERROR_CODES } from '../errors.js';

/** Probes arrive every few seconds: their lines go to debug so they do not drown the deliveries. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz']);
const KNOWN_ERROR_CODES = new Set<string>(Object.values(API_ERROR_CODES));
const WORKFLOW_ID = /^[A-Za-z0-9_.:/@#|-]{1,256}$/;
const LARGEST_PARSED_REPLY = 64 * 1024;

/** What the answer said, read once before it is sent: the error code for the outcome label, the workflow id for the log line. */
interface ReplySummary {
  errorCode?: string;
  workflowId?: string;
  /** A re-delivery of a call whose run had already finished: nothing was started. */
  duplicate?: true;
}

function summariseBody(body: unknown): ReplySummary {
  if (typeof body !== 'object' || body === null) return {};
  const { error, workflowId, duplicate } = body as { error?: unknown; workflowId?: unknown; duplicate?: unknown };
  return {
    ...(typeof error === 'string' && KNOWN_ERROR_CODES.has(error) ? { errorCode: error } : {}),
    ...(typeof workflowId === 'string' && WORKFLOW_ID.test(workflowId) ? { workflowId } : {}),
    ...(duplicate === true ? { duplicate: true as const } : {}),
  };
}

/** For an answer that reached onSend already serialized (no preSerialization hook ran for it). */
function summariseSerialized(payload: unknown): ReplySummary {
  if (typeof payload !== 'string' || payload.length > LARGEST_PARSED_REPLY || !payload.startsWith('{')) return {};
  try {
    return summariseBody(JSON.parse(payload));
  } catch {
    return {};
  }
}

/**
 * One access-log line and the ingress metrics per request. Fastify's own two request lines are switched off
 * (`disableRequestLogging`) in favour of this single line, which also carries the workflow id. The metrics are served
 * apart from this app, on API_METRICS_PORT (api/server.ts): the public port never answers `/metrics`.
 */
async function metricsPlugin(app: FastifyInstance, options: { metrics: ApiMetrics }): Promise<void> {
  const { metrics } = options;
  const summaries = new WeakMap<FastifyRequest, ReplySummary>();

  // Answers sent as objects are read before Fastify serializes them, so most deliveries cost no JSON.parse here.
  app.addHook('preSerialization', (request, _reply, payload, done) => {
    summaries.set(request, summariseBody(payload));
    done(null, payload);
  });
  app.addHook('onSend', (request, _reply, payload, done) => {
    if (!summaries.has(request)) summaries.set(request, summariseSerialized(payload));
    done(null, payload);
  });

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const summary = summaries.get(request) ?? {};
    const outcome = summary.errorCode ?? statusClass(reply.statusCode);
    const labels = { route, method: request.method, outcome };
    const durationMs = reply.elapsedTime;
    metrics.ingressRequests.inc(labels);
    metrics.ingressDuration.observe(labels, durationMs / 1000);

    const line = {
      method: request.method,
      // A path no route matched is whatever the sender typed, tokens included: only its length is kept.
      ...(request.routeOptions.url === undefined ? { urlLength: request.url.length } : { url: redactText(request.url) }),
      route,
      statusCode: reply.statusCode,
      durationMs: Math.round(durationMs * 10) / 10,
      ...(summary.workflowId === undefined ? {} : { workflowId: summary.workflowId }),
      ...(summary.errorCode === undefined ? {} : { error: summary.errorCode }),
      ...(summary.duplicate === undefined ? {} : { duplicate: true }),
    };
    if (QUIET_ROUTES.has(route)) request.log.debug(line, 'request completed');
    else request.log.info(line, 'request completed');
    done();
  });
}

export default fastifyPlugin(metricsPlugin, { name: 'metrics', fastify: '5.x' });
