import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorClock } from './clock.js';
import { oauthErrors, restErrors, type RestError } from './errors.js';
import { queryOf } from './http-parsers.js';
import { ACCESS_CHECK, type OAuthTokens } from './oauth-tokens.js';
import { APP_SCOPE, type PortalAddress } from './outbound.js';
import { asString, isRecord } from './params.js';
import type { EmulatorState } from './state.js';
import { timeBlock } from './time-block.js';

export interface OAuthRouteDeps {
  tokens: OAuthTokens;
  portal: PortalAddress;
  state: EmulatorState;
  clock: EmulatorClock;
  clientId: string;
  clientSecret: string;
}

/** The OAuth server (oauth.bitrix.info in the cloud): refresh-token grant with rotation, and its `app.info`. */
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
  /**
   * `app.info` on the authorization server: the trusted view of whose token this is (b24restdocs settings/oauth/simple-way.md),
   * in the shape the official Python SDK reads (b24pysdk api/responses/bitrix_app_info_response.py).
   */
  const appInfo = async (request: FastifyRequest, reply: FastifyReply) => {
    const params = { ...queryOf(request.url), ...(isRecord(request.body) ? request.body : {}) };
    const accessToken = asString(params.auth);
    const check = accessToken ? deps.tokens.check(accessToken) : { kind: ACCESS_CHECK.unknown };
    if (check.kind === ACCESS_CHECK.expired) return refuse(reply, restErrors.expiredToken());
    if (check.kind !== ACCESS_CHECK.valid) return refuse(reply, restErrors.noAuth());
    const nowMs = deps.clock.nowMs();
    return reply.code(200).send({
      result: {
        client_id: deps.clientId,
        scope: APP_SCOPE,
        expires: new Date(deps.tokens.expiresAt(accessToken ?? '') * 1000).toISOString(),
        install: {
          installed: deps.state.appInstalled,
          version: String(deps.state.appVersion),
          status: 'L',
          scope: APP_SCOPE,
          domain: deps.portal.domain,
          uri: deps.portal.url,
          client_endpoint: deps.portal.clientEndpoint,
          member_id: deps.portal.memberId,
          member_type: 'user',
        },
        user_id: String(check.userId),
      },
      time: timeBlock(nowMs, nowMs + 1),
    });
  };
  for (const url of ['/oauth-server/rest/app.info', '/oauth-server/rest/app.info/', '/oauth-server/rest/app.info.json']) {
    app.route({ method: ['GET', 'POST'], url, handler: appInfo });
  }
  app.route({
    method: ['GET', 'POST'],
    url: '/oauth-server/rest/*',
    handler: async (_request, reply) => refuse(reply, restErrors.methodNotFound()),
  });
}
