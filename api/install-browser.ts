import type { FastifyBaseLogger } from 'fastify';
import { INSTALL_PATH } from '../contracts/bitrix24-app.js';
import type { IngressServices } from './deps.js';
import { acceptInstall, INSTALL_PATHS } from './install-flow.js';
import { installedPage, installFinishPage, type HtmlPage } from './install-page.js';
import { assertInstallEndpoints } from './install-policy.js';
import type { InstallForm } from './schemas/install.js';

/**
 * The install form of an app with a UI (local with UI, or marketplace): verified exactly as the API-only callback,
 * then answered with the page that calls BX24.installFinish(). The form promises no `application_token`; the install
 * binds ONAPPINSTALL to the install URL first, and Bitrix24 sends it, with the token, once the page finished the install
 * (b24phpsdk ApplicationInstallationInterface: "receive it in a separate request with OnApplicationInstall event").
 */
export async function handleInstallForm(services: IngressServices, form: InstallForm, log: FastifyBaseLogger): Promise<HtmlPage> {
  const domain = form.DOMAIN.trim().toLowerCase();
  const clientEndpoint = `${form.PROTOCOL === '1' ? 'https' : 'http'}://${domain}/rest/`;
  assertInstallEndpoints(services.config, { domain, client_endpoint: clientEndpoint, server_endpoint: form.SERVER_ENDPOINT });
  const claim = {
    memberId: form.member_id,
    domain,
    clientEndpoint,
    serverEndpoint: form.SERVER_ENDPOINT,
    applicationToken: form.APPLICATION_TOKEN ?? null,
    accessToken: form.AUTH_ID,
    refreshToken: form.REFRESH_ID,
  };
  const identity = await services.installVerifier.identify(claim);
  if (identity.installed) {
    // Bitrix24 posts this form to the install path only until the install finished; later it is the app being opened.
    log.info({ memberId: claim.memberId, userId: identity.userId }, 'installed app opened; nothing to install');
    return installedPage();
  }
  const handlerUrl = `${services.config.PUBLIC_URL.replace(/\/+$/, '')}${INSTALL_PATH}`;
  await acceptInstall(services, claim, identity, {
    event: 'ONAPPINSTALL',
    path: INSTALL_PATHS.browser,
    log,
    // Before the page can call installFinish: otherwise the ONAPPINSTALL that carries the application_token is never sent.
    beforeProvisioning: (install) => services.installVerifier.bindInstallEvent(install, handlerUrl),
  });
  return installFinishPage(services.config.B24_JS_LIBRARY_URL);
}
