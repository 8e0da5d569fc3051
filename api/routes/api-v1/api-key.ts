import type { FastifyRequest } from 'fastify';
import type { Config } from '../../../lib/config.js';
import { apiErrors } from '../../errors.js';
import { sameToken } from '../../sender-verification.js';

/** The portals one API key may write to and read the writes of. */
export interface ApiKeyScope {
  memberIds: ReadonlySet<string>;
}

/**
 * The external-system API is off (404, as if it did not exist) until EXTERNAL_API_KEYS is set; then every request
 * must carry one of its keys in `x-api-key`. Every key is compared (in constant time), so the answer's timing does
 * not tell which key a guess came close to.
 */
export function assertApiKey(config: Pick<Config, 'EXTERNAL_API_KEYS'>, request: FastifyRequest): ApiKeyScope {
  const keys = config.EXTERNAL_API_KEYS;
  if (keys === undefined) throw apiErrors.notFound();
  const received = request.headers['x-api-key'];
  let scope: ApiKeyScope | undefined;
  if (typeof received === 'string') {
    for (const [key, memberIds] of keys) {
      if (sameToken(received, key) && scope === undefined) scope = { memberIds: new Set(memberIds) };
    }
  }
  if (!scope) {
    request.log.warn({ url: request.routeOptions.url }, 'external API request without a valid API key');
    throw apiErrors.unauthorized('a valid x-api-key header is required');
  }
  return scope;
}

/** A key used for a portal it was not given: 403, naming the portal the request named. */
export function assertPortalInScope(scope: ApiKeyScope, memberId: string, request: FastifyRequest): void {
  if (scope.memberIds.has(memberId)) return;
  request.log.warn({ url: request.routeOptions.url, memberId }, 'external API key used for a portal it is not scoped to');
  throw apiErrors.portalNotAllowed(memberId);
}
