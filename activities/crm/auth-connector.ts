import { AUTH_CONNECTOR_FEATURE, authConnectorParams } from '../../contracts/bitrix24-app.js';
import { isBitrix24ErrorCode, type Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import type { Bitrix24CallOptions } from '../../integrations/bitrix24/client.js';
import type { PortalStore } from '../../lib/portals/store.js';

/** How long a worker trusts its own feature.get answer (or a WRONG_LICENSE refusal) before it asks again. */
export const AUTH_CONNECTOR_RECHECK_MS = 60 * 60_000;

/**
 * Whether calls to a portal may carry AUTH_CONNECTOR. Bitrix24 refuses any call carrying one with WRONG_LICENSE when
 * the plan lacks `rest_auth_connector` (bitrix core CRestServer::checkAuth; b24restdocs
 * api-reference/events/offline-events.md), so the writes, the offline bindings and the drain send it only where the
 * portal has it, and all of them the same way: the offline queue is kept per connector.
 */
export interface AuthConnectorSource {
  /** `{auth_connector}` to add to a call's parameters, or `{}` on a plan without the feature. */
  params(memberId: string): Promise<{ auth_connector?: string }>;
  /**
   * A call carrying the connector was refused with WRONG_LICENSE: asks the portal again, and when the plan has lost
   * the feature, stops sending the connector (for an hour). Answers whether it was lost.
   */
  lostFeature(memberId: string): Promise<boolean>;
}

export interface AuthConnectorSourceDeps {
  bitrix24: Bitrix24Caller;
  /** Provisioning records the answer it bound the offline events with (PortalSettings.authConnector). */
  portals?: Pick<PortalStore, 'settings'> | undefined;
  nowMs?: () => number;
  recheckMs?: number;
}

/**
 * Per worker: provisioning's record first (it runs after every install and app update, and bound the offline events
 * accordingly), else `feature.get` asked once and remembered for an hour. A refusal overrides both for an hour.
 */
export function createAuthConnectorSource(deps: AuthConnectorSourceDeps): AuthConnectorSource {
  const now = deps.nowMs ?? Date.now;
  const recheckMs = deps.recheckMs ?? AUTH_CONNECTOR_RECHECK_MS;
  const asked = new Map<string, { available: boolean; at: number }>();
  const refusedAt = new Map<string, number>();

  async function askPortal(memberId: string, fresh = false): Promise<boolean> {
    const cached = asked.get(memberId);
    if (!fresh && cached && now() - cached.at < recheckMs) return cached.available;
    let available = false;
    try {
      const answer = await deps.bitrix24.call<{ value?: unknown } | null>(memberId, 'feature.get', { CODE: AUTH_CONNECTOR_FEATURE });
      available = answer?.value === 'Y';
    } catch (error) {
      // A portal without feature.get: no connector, which every plan accepts.
      if (!isBitrix24ErrorCode(error, 'ERROR_METHOD_NOT_FOUND')) throw error;
    }
    asked.set(memberId, { available, at: now() });
    return available;
  }

  return {
    async params(memberId) {
      const refused = refusedAt.get(memberId);
      if (refused !== undefined && now() - refused < recheckMs) return {};
      const recorded = deps.portals ? (await deps.portals.settings(memberId)).authConnector : undefined;
      return authConnectorParams(recorded ?? (await askPortal(memberId)));
    },
    async lostFeature(memberId) {
      // Cannot ask: keep the caller's own refusal as the answer rather than a failure of this question.
      const available = await askPortal(memberId, true).catch(() => true);
      if (available) return false;
      refusedAt.set(memberId, now());
      return true;
    },
  };
}

/**
 * A CRM write with the connector where the portal allows it. Refused with WRONG_LICENSE because the plan lost the
 * feature since provisioning asked, it is sent again without one: the write matters more than echo protection.
 */
export async function writeWithConnector<T>(
  bitrix24: Bitrix24Caller,
  connector: AuthConnectorSource,
  memberId: string,
  method: string,
  params: Record<string, unknown>,
  options?: Bitrix24CallOptions,
): Promise<T> {
  const extra = await connector.params(memberId);
  try {
    return await bitrix24.call<T>(memberId, method, { ...params, ...extra }, options);
  } catch (error) {
    if (extra.auth_connector === undefined || !isBitrix24ErrorCode(error, 'WRONG_LICENSE')) throw error;
    if (!(await connector.lostFeature(memberId))) throw error;
    return bitrix24.call<T>(memberId, method, params, options);
  }
}
