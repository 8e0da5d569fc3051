import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorClock } from './clock.js';
import type { Dispatcher } from './dispatcher.js';
import { RestError, restErrors } from './errors.js';
import { queryOf } from './http-parsers.js';
import type { LeakyBucket } from './leaky-bucket.js';
import type { Caller } from './method-types.js';
import { ACCESS_CHECK, type OAuthTokens } from './oauth-tokens.js';
import { asString, isRecord, stripAuth, type Params } from './params.js';
import type { EmulatorState } from './state.js';
import type { RecordedCall, RequestCounts } from './types.js';

export interface RestRouteDeps {
  dispatcher: Dispatcher;
  bucket: LeakyBucket;
  tokens: OAuthTokens;
  state: EmulatorState;
  clock: EmulatorClock;
  calls: RecordedCall[];
  counts: RequestCounts;
}

interface Target {
  method: string;
  webhook?: { userId: number; code: string };
}

/** `/rest/<method>[.json]` or the inbound-webhook form `/rest/<userId>/<code>/<method>[.json]`. */
function parseTarget(path: string): Target | null {
  const segments = path.split('/').filter(Boolean);
  const strip = (method: string) => method.replace(/\.json$/i, '');
  if (segments.length === 1 && segments[0]) return { method: strip(segments[0]) };
  const [userId, code, method] = segments;
  if (segments.length === 3 && userId && code && method && /^\d+$/.test(userId)) {
    return { method: strip(method), webhook: { userId: Number(userId), code } };
  }
  return null;
}

function authenticate(target: Target, params: Params, deps: RestRouteDeps): Caller | RestError {
  if (target.webhook) {
    const owner = deps.state.webhooks.get(target.webhook.code);
    return owner === target.webhook.userId ? { kind: 'webhook', userId: owner } : restErrors.noAuth();
  }
  const token = asString(params.auth);
  if (!token) return restErrors.noAuth();
  const check = deps.tokens.check(token);
  if (check.kind === ACCESS_CHECK.expired) return restErrors.expiredToken();
  if (check.kind === ACCESS_CHECK.unknown) return restErrors.noAuth();
  return { kind: 'oauth', userId: check.userId };
}

export function registerRestRoutes(app: FastifyInstance, deps: RestRouteDeps): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = (request.params as Record<string, string | undefined>)['*'] ?? '';
    const body = isRecord(request.body) ? request.body : {};
    const params: Params = { ...queryOf(request.url), ...body };
    const target = parseTarget(path);
    const recordedParams = stripAuth(params);
    const refuse = (error: RestError, method: string, auth: RecordedCall['auth']) => {
      deps.calls.push({ method: method.toLowerCase(), params: recordedParams, at: deps.clock.nowMs(), status: error.status, error: error.code, auth });
      return reply.code(error.status).send(error.toBody());
    };
    deps.counts.restRequests += 1;
    if (!target) return refuse(restErrors.methodNotFound(), path, 'none');

    // The portal counts every request against its bucket, whoever sends it.
    if (!deps.bucket.tryAcquire()) {
      deps.counts.queryLimitRejections += 1;
      return refuse(restErrors.queryLimit(), target.method, target.webhook ? 'webhook' : 'oauth');
    }
    const caller = authenticate(target, params, deps);
    if (caller instanceof RestError) return refuse(caller, target.method, 'none');

    const outcome = await deps.dispatcher.execute(target.method, recordedParams, caller);
    if (!outcome.ok) return reply.code(outcome.error.status).send(outcome.error.toBody());
    const { result, total, next } = outcome.value;
    return reply.code(200).send({
      result,
      ...(next === undefined ? {} : { next }),
      ...(total === undefined ? {} : { total }),
      time: outcome.time,
    });
  };
  app.route({ method: ['GET', 'POST'], url: '/rest/*', handler });
}
