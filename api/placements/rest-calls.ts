import { setTimeout as delay } from 'node:timers/promises';
import type { Bitrix24Client } from '../../integrations/bitrix24/client.js';
import { isBitrix24Error } from '../../integrations/bitrix24/errors.js';
import { readReply } from '../../integrations/bitrix24/response.js';
import type { Transport } from '../../integrations/bitrix24/transport.js';
import { PlacementError, placementErrors } from './errors.js';

/** One REST call on one portal, as one identity (the user of the placement call, or the app). */
export type RestCall = <T>(method: string, params?: Record<string, unknown>) => Promise<T>;

const SESSION_ERRORS = new Set(['NO_AUTH_FOUND', 'expired_token', 'invalid_token', 'INVALID_CREDENTIALS', 'WRONG_AUTH_TYPE']);

/** Bitrix24 refusals as the runs tab shows them; anything unexpected becomes "Bitrix24 unavailable". */
export function refusalOf(code: string, status: number, description: string): PlacementError {
  if (SESSION_ERRORS.has(code) || status === 401) return placementErrors.sessionRejected();
  // crm.deal.* style answers carry an empty code and say it in the description (b24restdocs api-reference/crm/deals/crm-deal-update.md; docs/bitrix24.md).
  if (code === 'ACCESS_DENIED' || status === 403 || (code === '' && /access denied/i.test(description))) {
    return placementErrors.itemNotReadable();
  }
  if (code === 'NOT_FOUND' || (code === '' && /not found/i.test(description))) return placementErrors.itemNotFound();
  return placementErrors.portalUnavailable();
}

function joinUrl(base: string, method: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}${method}`;
}

/**
 * Waits before the user-token call is repeated after QUERY_LIMIT_EXCEEDED: the portal's bucket drains a request every
 * half second on the standard plan (docs/rate-limits.md), so a full bucket, right after an install's provisioning for
 * instance, has room again within a second. Two repeats keep the tab's answer within about two seconds.
 */
export const USER_CALL_QUERY_LIMIT_WAITS_MS = [500, 1_000] as const;

/**
 * Calls the portal with the user's own token from the placement call (`AUTH_ID`), so Bitrix24 answers as that user:
 * who they are, and whether they may read the item at all. The endpoint is the one stored at install, never one the
 * request names. A full bucket is waited out briefly, as the app's own client does; any other refusal is final.
 */
export function userRestCall(
  transport: Transport,
  clientEndpoint: string,
  authId: string,
  sleep: (ms: number) => Promise<unknown> = delay,
): RestCall {
  return async <T>(method: string, params: Record<string, unknown> = {}): Promise<T> => {
    for (let attempt = 0; ; attempt += 1) {
      let reply;
      try {
        reply = await transport.post({
          url: joinUrl(clientEndpoint, method),
          contentType: 'application/json',
          body: JSON.stringify({ ...params, auth: authId }),
          label: method,
        });
      } catch {
        throw placementErrors.portalUnavailable();
      }
      const outcome = readReply<T>(reply);
      if (outcome.kind === 'ok') return outcome.response.result;
      if (outcome.kind !== 'error') throw placementErrors.portalUnavailable();
      const wait = USER_CALL_QUERY_LIMIT_WAITS_MS[attempt];
      if (outcome.body.error === 'QUERY_LIMIT_EXCEEDED' && wait !== undefined) {
        await sleep(wait);
        continue;
      }
      throw refusalOf(outcome.body.error, reply.status, outcome.body.error_description);
    }
  };
}

/** Calls the portal with the app's stored tokens: the checks repeated on every retry or terminate request. */
export function appRestCall(client: Pick<Bitrix24Client, 'call'>, memberId: string): RestCall {
  return async <T>(method: string, params: Record<string, unknown> = {}): Promise<T> => {
    try {
      return await client.call<T>(memberId, method, params);
    } catch (error) {
      if (isBitrix24Error(error)) throw refusalOf(error.code, error.status, error.description ?? '');
      throw placementErrors.portalUnavailable();
    }
  };
}
