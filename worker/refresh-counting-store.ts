import { TOKEN_REFRESH_OUTCOMES, type TokenRefreshOutcome } from './metrics.js';
import type { PortalStore } from '../lib/portals/store.js';

/** The Bitrix24 client refreshes through its store after `expired_token`; counting here sees every such refresh. */
export function countTokenRefreshes(store: PortalStore, record: (outcome: TokenRefreshOutcome) => void): PortalStore {
  return {
    find: (memberId) => store.find(memberId),
    install: (install) => store.install(install),
    uninstall: (memberId) => store.uninstall(memberId),
    move: (memberId, move) => store.move(memberId, move),
    settings: (memberId) => store.settings(memberId),
    saveSettings: (memberId, changes) => store.saveSettings(memberId, changes),
    async refresh(memberId, staleVersion) {
      try {
        const credentials = await store.refresh(memberId, staleVersion);
        record(TOKEN_REFRESH_OUTCOMES.refreshed);
        return credentials;
      } catch (error) {
        record(TOKEN_REFRESH_OUTCOMES.failed);
        throw error;
      }
    },
  };
}
