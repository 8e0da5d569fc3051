import type { FastifyBaseLogger } from 'fastify';
import type { PortalCredentials, PortalInstall } from '../contracts/portal.js';
import type { IngressServices } from './deps.js';
import type { InstallClaim, InstallIdentity } from './install-verifier.js';

export const INSTALL_PATHS = { callback: 'callback', browser: 'browser' } as const;
export type InstallPath = (typeof INSTALL_PATHS)[keyof typeof INSTALL_PATHS];

export interface AcceptedInstall {
  stored: PortalCredentials;
  install: PortalInstall;
}

/**
 * The part both install paths share once the claim passed the allow-lists and `identify`: an administrator's token,
 * refreshed, stored, provisioning started, and one audit line. Nothing is stored unless every check passed.
 */
export async function acceptInstall(
  services: Pick<IngressServices, 'installVerifier' | 'portals' | 'workflows'>,
  claim: InstallClaim,
  identity: InstallIdentity,
  context: { event: string; path: InstallPath; log: FastifyBaseLogger; beforeProvisioning?: (install: PortalInstall) => Promise<void> },
): Promise<AcceptedInstall> {
  const install = await services.installVerifier.authorize(claim);
  const stored = await services.portals.install(install);
  await context.beforeProvisioning?.(install);
  await services.workflows.onPortalInstalled(stored.memberId, context.event);
  // The audit trail of who (re)installed or updated the app: ids and versions only, never a token.
  context.log.info(
    {
      audit: 'app-install',
      memberId: stored.memberId,
      domain: stored.domain,
      userId: identity.userId,
      event: context.event,
      installPath: context.path,
      appVersion: identity.appVersion,
      credentialsVersion: stored.version,
      applicationTokenKnown: stored.applicationToken !== null,
    },
    'audit: app install accepted',
  );
  return { stored, install };
}
