import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { PageTokenError, readPageToken } from '../placements/page-token.js';

/** Member ids are short; a longer "member id" is cut, never allowed to grow the limiter's memory. */
const MEMBER_ID_LIMIT = 128;

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value !== '');
}

function digest(credential: string): string {
  return createHash('sha256').update(credential, 'utf8').digest('base64url').slice(0, 22);
}

/**
 * The per-portal bucket of a request, before any check has run. A bucket is the portal the body names together with
 * a digest of the credential it presents (`auth[application_token]`, `APPLICATION_TOKEN`, `x-api-key`): requests that
 * name a portal without its credential fill a bucket of their own, never the portal's, so nobody can use up a
 * portal's budget by naming it. A runs-tab page token is opened (it is sealed, so its portal is proven); one that
 * does not open names no portal. Undefined: the request names no portal and counts per address only.
 */
export function portalBucketOf(pageTokenKey: Buffer, nowSeconds: () => number = () => Math.floor(Date.now() / 1000)) {
  return (request: FastifyRequest): string | undefined => {
    const body = asRecord(request.body);
    if (!body) return undefined;
    const auth = asRecord(body.auth);
    const memberId = firstString(auth?.member_id, body.member_id, body.memberId);
    if (memberId !== undefined) {
      const credential = firstString(auth?.application_token, body.APPLICATION_TOKEN, request.headers['x-api-key']) ?? '';
      return `portal:${memberId.slice(0, MEMBER_ID_LIMIT)}:${digest(credential)}`;
    }
    if (typeof body.token === 'string') {
      try {
        return `page:${readPageToken(pageTokenKey, body.token, nowSeconds()).memberId}`;
      } catch (error) {
        if (error instanceof PageTokenError) return undefined;
        throw error;
      }
    }
    return undefined;
  };
}
