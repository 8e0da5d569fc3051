import type { FastifyRequest } from 'fastify';
import type { Config } from '../../../lib/config.js';
import { apiErrors } from '../../errors.js';
import { sameToken } from '../../sender-verification.js';

/**
 * The external-system API is off (404, as if it did not exist) until EXTERNAL_API_KEY is set; then every request
 * must carry it in `x-api-key`, compared in constant time.
 */
export function assertApiKey(config: Pick<Config, 'EXTERNAL_API_KEY'>, request: FastifyRequest): void {
  const expected = config.EXTERNAL_API_KEY;
  if (expected === undefined) throw apiErrors.notFound();
  const received = request.headers['x-api-key'];
  if (typeof received !== 'string' || !sameToken(received, expected)) {
    request.log.warn({ url: request.routeOptions.url }, 'external API request without a valid API key');
    throw apiErrors.unauthorized('a valid x-api-key header is required');
  }
}
