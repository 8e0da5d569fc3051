import type { FastifyBaseLogger } from 'fastify';
import type { IngressServices } from './deps.js';
import { acceptInstall, INSTALL_PATHS } from './install-flow.js';
import { assertInstallEndpoints } from './install-policy.js';
import type { InstallBody } from './schemas/install.js';

/**
 * ONAPPINSTALL and ONAPPUPDATE at the install URL: the API-only app's install callback, the ONAPPINSTALL an app with a
 * UI bound during its install, and every update (which deleted the app's robots, so provisioning runs again).
 */
export async function handleInstallCallback(services: IngressServices, body: InstallBody, log: FastifyBaseLogger) {
  const { auth } = body;
  assertInstallEndpoints(services.config, auth);
  const claim = {
    memberId: auth.member_id,
    domain: auth.domain.toLowerCase(),
    clientEndpoint: auth.client_endpoint,
    serverEndpoint: auth.server_endpoint,
    applicationToken: auth.application_token,
    accessToken: auth.access_token,
    refreshToken: auth.refresh_token,
  };
  const identity = await services.installVerifier.identify(claim);
  const { stored } = await acceptInstall(services, claim, identity, { event: body.event, path: INSTALL_PATHS.callback, log });
  return { status: 'installed', memberId: stored.memberId };
}
