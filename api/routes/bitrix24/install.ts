import type { FastifyPluginAsync } from 'fastify';
import type { IngressServices } from '../../deps.js';
import { assertInstallEndpoints } from '../../install-policy.js';
import { installBodySchema } from '../../schemas/install.js';
import { parseBody } from '../../schemas/parse.js';

/**
 * The installation callback (ONAPPINSTALL, and ONAPPUPDATE on every app update). Nothing is stored before the
 * endpoints pass the allow-lists and the tokens are proven against the portal and the OAuth server.
 */
const installRoutes: FastifyPluginAsync<IngressServices> = async (app, services) => {
  app.post('/bitrix24/install', async (request) => {
    const body = parseBody(installBodySchema, request.body);
    const { auth } = body;
    assertInstallEndpoints(services.config, auth);

    const verified = await services.installVerifier.verify({
      memberId: auth.member_id,
      domain: auth.domain.toLowerCase(),
      clientEndpoint: auth.client_endpoint,
      serverEndpoint: auth.server_endpoint,
      applicationToken: auth.application_token,
      accessToken: auth.access_token,
      refreshToken: auth.refresh_token,
    });
    const stored = await services.portals.install(verified);
    await services.workflows.onPortalInstalled(stored.memberId, body.event);
    request.log.info({ memberId: stored.memberId, domain: stored.domain, event: body.event, version: stored.version }, 'portal installed');
    return { status: 'installed', memberId: stored.memberId };
  });
};

export default installRoutes;
