import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { oauthErrors, restErrors, type RestError } from './errors.js';
import { queryOf } from './http-parsers.js';
import type { OAuthTokens } from './oauth-tokens.js';
import { APP_SCOPE, type PortalAddress } from './outbound.js';
import { asString, isRecord } from './params.js';

export interface OAuthRouteDeps {
  tokens: OAuthTokens;
  portal: PortalAddress;
  clientId: string;
  clientSecret: string;
}

/** The OAuth server (oauth.bitrix.info in the cloud): refresh-token grant with rotation. */
export function registerOAuthRoutes(app: FastifyInstance, deps: OAuthRouteDeps): void {
  const refuse = (reply: FastifyReply, error: RestError) => reply.code(error.status).send(error.toBody());

  const token = async (request: FastifyRequest, reply: FastifyReply) => {
    const params = { ...queryOf(request.url), ...(isRecord(request.body) ? request.body : {}) };
    if (asString(params.grant_type) !== 'refresh_token') {
      deps.tokens.recordAttempt('invalid_request');
      return refuse(reply, oauthErrors.invalidRequest('Unsupported or missing grant_type'));
    }
    if (asString(params.client_id) !== deps.clientId || asString(params.client_secret) !== deps.clientSecret) {
      deps.tokens.recordAttempt('invalid_client');
      return refuse(reply, oauthErrors.invalidClient());
    }
    const refreshToken = asString(params.refresh_token);
    const pair = refreshToken ? deps.tokens.rotate(refreshToken) : null;
    if (!pair) {
      deps.tokens.recordAttempt('invalid_grant');
      return refuse(reply, oauthErrors.invalidGrant());
    }
    deps.tokens.recordAttempt('ok');
    return reply.code(200).send({
      access_token: pair.accessToken,
      client_endpoint: deps.portal.clientEndpoint,
      domain: deps.portal.domain,
      expires: pair.expires,
      expires_in: pair.expiresIn,
      member_id: deps.portal.memberId,
      refresh_token: pair.refreshToken,
      scope: APP_SCOPE,
      server_endpoint: deps.portal.serverEndpoint,
      status: 'L',
      user_id: pair.userId,
    });
  };
  for (const url of ['/oauth-server/oauth/token/', '/oauth-server/oauth/token']) {
    app.route({ method: ['GET', 'POST'], url, handler: token });
  }
  app.route({
    method: ['GET', 'POST'],
    url: '/oauth-server/rest/*',
    handler: async (_request, reply) => refuse(reply, restErrors.methodNotFound()),
  });
}
