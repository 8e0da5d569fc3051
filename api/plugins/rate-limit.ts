import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { apiErrors } from '../errors.js';

export interface AbuseLimits {
  windowMs: number;
  /** Requests per window from one address (IPv6: one /64); 0 turns the limit off. */
  perAddress: number;
  /** Requests per window naming one portal with one credential; 0 turns the limit off. */
  perPortal: number;
  /** The portal bucket a request counts against, or undefined when it names none (see rate-limit-keys.ts). */
  portalOf: (request: FastifyRequest) => string | undefined;
}

/** Distinct addresses remembered at once (portal buckets: the library's 5 000); the least recently seen go first. */
const REMEMBERED_KEYS = 10_000;
const NO_PORTAL = '';
const NO_HEADERS = { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false } as const;

export interface LimitedRoute {
  method: string;
  url: string;
}

const routesOfApp = new WeakMap<FastifyInstance, LimitedRoute[]>();

/**
 * Every route the limits cover, which is every route of the app (Fastify's own HEAD twins of GET routes included):
 * what tests that must reach every public route (the fuzzer) take their list from.
 */
export function limitedRoutes(app: FastifyInstance): readonly LimitedRoute[] {
  return routesOfApp.get(app) ?? [];
}

/**
 * Abuse limits on every request of the public port, with @fastify/rate-limit's fixed windows: first per address, in
 * `onRequest` (before the body is read, so a flood costs little), then per portal, in `preHandler` (the portal is
 * named in the body). Counts live in this process: N API replicas allow N times the limits.
 */
async function abuseLimitsPlugin(app: FastifyInstance, limits: AbuseLimits): Promise<void> {
  const routes: LimitedRoute[] = [];
  routesOfApp.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  await app.register(rateLimit, {
    global: false,
    max: limits.perAddress,
    timeWindow: limits.windowMs,
    cache: REMEMBERED_KEYS,
    addHeadersOnExceeding: NO_HEADERS,
    addHeaders: { ...NO_HEADERS, 'retry-after': true },
    errorResponseBuilder: (_request, context) => apiErrors.rateLimited('from this address', Math.ceil(context.ttl / 1000)),
  });
  // A root hook rather than the plugin's per-route one: requests for unknown paths (404s) count too.
  if (limits.perAddress > 0) app.addHook('onRequest', app.rateLimit());
  if (limits.perPortal === 0) return;

  const portalBucket = app.createRateLimit({
    max: limits.perPortal,
    timeWindow: limits.windowMs,
    keyGenerator: (request) => limits.portalOf(request) ?? NO_PORTAL,
    allowList: (_request, key) => key === NO_PORTAL,
  });
  app.addHook('preHandler', async (request, reply) => {
    const state = await portalBucket(request);
    if (state.isAllowed || !state.isExceeded) return;
    reply.header('retry-after', state.ttlInSeconds);
    request.log.warn({ route: request.routeOptions.url }, 'portal over its request limit');
    throw apiErrors.rateLimited('for this portal', state.ttlInSeconds);
  });
}

export default fastifyPlugin(abuseLimitsPlugin, { name: 'abuse-limits', fastify: '5.x' });
