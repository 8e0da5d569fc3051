import type { PortalCredentials, PortalInstall, PortalMove, PortalSettings } from '../../contracts/portal.js';

/**
 * Durable, shared portal credentials. The production implementation keeps them in the
 * per-portal workflow (`portal/{memberId}`); tests may use the in-memory one.
 */
export interface PortalStore {
  /** The stored credentials, or null when the portal never installed the app. */
  find(memberId: string): Promise<PortalCredentials | null>;
  /** Records an install or app update; returns the stored credentials with their new version. */
  install(install: PortalInstall): Promise<PortalCredentials>;
  /** ONAPPUNINSTALL: forgets the portal's credentials (find answers null afterwards); false when none were stored. */
  uninstall(memberId: string): Promise<boolean>;
  /**
   * Returns credentials newer than `staleVersion`, refreshing the OAuth tokens at most once per portal no matter
   * how many callers ask at the same time (across processes too).
   */
  refresh(memberId: string, staleVersion: number): Promise<PortalCredentials>;
  /** Records the portal's new address after Bitrix24 redirected its old one (a domain change); tokens stay. */
  move(memberId: string, move: PortalMove): Promise<PortalCredentials>;
  /** What provisioning recorded about the portal (smart-process ids, list ids); empty when nothing was recorded. */
  settings(memberId: string): Promise<PortalSettings>;
  /** Merges `changes` into the portal's settings. */
  saveSettings(memberId: string, changes: PortalSettings): Promise<PortalSettings>;
}

export class PortalNotInstalledError extends Error {
  override readonly name = 'PortalNotInstalledError';
  constructor(readonly memberId: string) {
    super(`portal ${memberId} has not installed the app`);
  }
}
