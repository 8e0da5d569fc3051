import type { PortalCredentials, PortalInstall, PortalSettings } from '../../contracts/portal.js';
import { PortalNotInstalledError, type PortalStore } from '../../lib/portals/store.js';

/** New tokens for a portal; may return other fields the OAuth server changed (clientEndpoint, scope, ...). */
export type PortalTokenRefresher = (
  current: PortalCredentials,
) => Promise<Pick<PortalCredentials, 'accessToken' | 'refreshToken' | 'expiresAt'> & Partial<PortalInstall>>;

export interface MemoryPortalStore extends PortalStore {
  /** How many times the refresher actually ran for the portal. */
  refreshCount(memberId: string): number;
  /** Replaces stored credentials as-is (e.g. to plant an expired token). */
  put(credentials: PortalCredentials): void;
}

/** Deterministic stand-in tokens: `<old access token>~v<new version>`. */
const defaultRefresher: PortalTokenRefresher = async (current) => ({
  accessToken: `${current.accessToken}~v${current.version + 1}`,
  refreshToken: `${current.refreshToken}~v${current.version + 1}`,
  expiresAt: Math.floor(Date.now() / 1000) + 3600,
});

/**
 * In-process PortalStore for tests. Like the production store, refreshes are single-flight per portal: concurrent
 * callers with the same stale version share one refresh, and callers holding an already replaced version get the
 * current credentials without a refresh.
 */
export function createMemoryPortalStore(
  initial: PortalCredentials[] = [],
  refresher: PortalTokenRefresher = defaultRefresher,
): MemoryPortalStore {
  const portals = new Map(initial.map((credentials) => [credentials.memberId, { ...credentials }]));
  const inFlight = new Map<string, Promise<PortalCredentials>>();
  const refreshes = new Map<string, number>();
  const settings = new Map<string, PortalSettings>();

  async function runRefresh(current: PortalCredentials): Promise<PortalCredentials> {
    refreshes.set(current.memberId, (refreshes.get(current.memberId) ?? 0) + 1);
    const tokens = await refresher(current);
    const next: PortalCredentials = { ...current, ...tokens, memberId: current.memberId, version: current.version + 1 };
    portals.set(current.memberId, next);
    return { ...next };
  }

  return {
    async find(memberId) {
      const credentials = portals.get(memberId);
      return credentials === undefined ? null : { ...credentials };
    },
    async install(install) {
      const previous = portals.get(install.memberId);
      const version = (previous?.version ?? 0) + 1;
      const applicationToken = install.applicationToken ?? previous?.applicationToken ?? null;
      const credentials: PortalCredentials = { ...install, applicationToken, version };
      portals.set(install.memberId, credentials);
      return { ...credentials };
    },
    async uninstall(memberId) {
      return portals.delete(memberId);
    },
    refresh(memberId, staleVersion) {
      const current = portals.get(memberId);
      if (current === undefined) return Promise.reject(new PortalNotInstalledError(memberId));
      if (current.version > staleVersion) return Promise.resolve({ ...current });
      const running = inFlight.get(memberId);
      if (running !== undefined) return running;
      const refresh = runRefresh(current).finally(() => inFlight.delete(memberId));
      inFlight.set(memberId, refresh);
      return refresh;
    },
    async move(memberId, move) {
      const current = portals.get(memberId);
      if (current === undefined) throw new PortalNotInstalledError(memberId);
      const moved = { ...current, domain: move.domain, clientEndpoint: move.clientEndpoint };
      portals.set(memberId, moved);
      return { ...moved };
    },
    async settings(memberId) {
      return { ...settings.get(memberId) };
    },
    async saveSettings(memberId, changes) {
      const merged = { ...settings.get(memberId), ...changes };
      settings.set(memberId, merged);
      return { ...merged };
    },
    refreshCount: (memberId) => refreshes.get(memberId) ?? 0,
    put(credentials) {
      portals.set(credentials.memberId, { ...credentials });
    },
  };
}
