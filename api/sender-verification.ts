import { hash, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { PortalCredentials } from '../contracts/portal.js';
import type { PortalStore } from '../lib/portals/store.js';
import { apiErrors } from './errors.js';

/** The one-shot `hash` (Node 20.12): no Hash object per digest, and the API takes two digests per delivery. */
function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/** Equal-length digests keep the comparison constant-time whatever the lengths of the two tokens. */
export function sameToken(received: string, stored: string): boolean {
  return timingSafeEqual(digest(received), digest(stored));
}

/**
 * Proves a delivery came from the portal it names: `auth[application_token]` must equal the token stored at install
 * (b24restdocs api-reference/events/safe-event-handlers.md). Returns the portal's credentials; anything else is a 401
 * that says nothing about why.
 */
export async function verifySender(
  portals: PortalStore,
  auth: { member_id: string; application_token: string },
  log: FastifyBaseLogger,
): Promise<PortalCredentials> {
  const portal = await portals.find(auth.member_id);
  if (!portal) {
    log.warn({ memberId: auth.member_id }, 'delivery from a portal that never installed the app');
    throw apiErrors.unauthorized();
  }
  if (portal.applicationToken === null) {
    log.warn({ memberId: auth.member_id }, 'delivery before Bitrix24 sent the application_token (install not finished)');
    throw apiErrors.unauthorized();
  }
  if (!sameToken(auth.application_token, portal.applicationToken)) {
    log.warn({ memberId: auth.member_id }, 'delivery with a wrong application_token');
    throw apiErrors.unauthorized();
  }
  return portal;
}
