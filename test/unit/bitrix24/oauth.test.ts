import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toApplicationFailure, Bitrix24Error } from '../../../integrations/bitrix24/errors.js';
import { oauthTokenUrl, refreshOAuthTokens } from '../../../integrations/bitrix24/oauth.js';
import { fail, startStubPortal, type StubPortal } from './support/stub-portal.js';

const CLIENT_SECRET = 'cl13nt-s3cr3t';
const OLD_REFRESH = 'old-refresh-token-777';

let server: StubPortal;
let answer: 'ok' | 'invalid_grant' | 'broken' = 'ok';

beforeAll(async () => {
  server = await startStubPortal((request) => {
    if (answer === 'invalid_grant') return fail(400, 'invalid_grant', 'The refresh token is invalid');
    if (answer === 'broken') return { status: 200, body: { access_token: 'only-this' } };
    return {
      status: 200,
      body: {
        access_token: `new-access-for-${String(request.body.client_id)}`,
        refresh_token: 'new-refresh',
        expires: 1_800_000_000,
        expires_in: 3600,
        member_id: 'member-1',
        client_endpoint: 'https://example.bitrix24.com/rest/',
        domain: 'oauth.bitrix.info',
        scope: 'crm,bizproc',
        server_endpoint: 'https://oauth.bitrix.info/rest/',
        status: 'L',
        user_id: 1,
      },
    };
  });
});
afterAll(async () => server.close());
beforeEach(() => {
  server.requests.length = 0;
  answer = 'ok';
});

function refresh(serverEndpoint = `${server.url}oauth-server/rest/`, allowedHosts = ['127.0.0.1']) {
  return refreshOAuthTokens({
    serverEndpoint,
    refreshToken: OLD_REFRESH,
    clientId: 'app.123',
    clientSecret: CLIENT_SECRET,
    allowedHosts,
  });
}

describe('refreshOAuthTokens', () => {
  it('derives the token URL from server_endpoint, prefix included', () => {
    expect(oauthTokenUrl('https://oauth.bitrix.info/rest/').toString()).toBe('https://oauth.bitrix.info/oauth/token/');
    expect(oauthTokenUrl('https://oauth.bitrix24.tech/rest/').href).toBe('https://oauth.bitrix24.tech/oauth/token/');
    expect(oauthTokenUrl('http://127.0.0.1:4567/oauth-server/rest/').href).toBe(
      'http://127.0.0.1:4567/oauth-server/oauth/token/',
    );
  });

  it('POSTs the refresh grant as a form and returns camelCase tokens', async () => {
    const tokens = await refresh();
    expect(server.requests[0]).toMatchObject({
      path: '/oauth-server/oauth/token/',
      contentType: 'application/x-www-form-urlencoded',
      body: {
        grant_type: 'refresh_token',
        client_id: 'app.123',
        client_secret: CLIENT_SECRET,
        refresh_token: OLD_REFRESH,
      },
    });
    expect(tokens).toEqual({
      accessToken: 'new-access-for-app.123',
      refreshToken: 'new-refresh',
      expiresAt: 1_800_000_000,
      memberId: 'member-1',
      clientEndpoint: 'https://example.bitrix24.com/rest/',
      domain: 'oauth.bitrix.info',
      scope: 'crm,bizproc',
      serverEndpoint: 'https://oauth.bitrix.info/rest/',
      userId: 1,
      status: 'L',
    });
  });

  it('refuses hosts outside allowedHosts and plain http to non-loopback hosts, sending nothing', async () => {
    await expect(refresh('https://evil.example.com/rest/', ['oauth.bitrix.info'])).rejects.toMatchObject({
      type: 'Bitrix24.OAUTH_HOST_NOT_ALLOWED',
      retryable: false,
    });
    await expect(refresh('http://oauth.bitrix.info/rest/', ['oauth.bitrix.info'])).rejects.toMatchObject({
      type: 'Bitrix24.OAUTH_HOST_NOT_ALLOWED',
    });
    const loopbackNotListed = refresh(`${server.url}oauth-server/rest/`, ['oauth.bitrix.info']);
    await expect(loopbackNotListed).rejects.toBeInstanceOf(Bitrix24Error);
    expect(server.requests).toHaveLength(0);
  });

  it('maps invalid_grant to a non-retryable failure without secrets in the message', async () => {
    answer = 'invalid_grant';
    const error = await refresh().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ type: 'Bitrix24.invalid_grant', retryable: false, status: 400 });
    const failure = toApplicationFailure(error);
    expect(failure).toMatchObject({ type: 'Bitrix24.invalid_grant', nonRetryable: true });
    expect(String((error as Error).message)).not.toContain(OLD_REFRESH);
    expect(String((error as Error).message)).not.toContain(CLIENT_SECRET);
  });

  it('rejects an incomplete token response naming fields, not values', async () => {
    answer = 'broken';
    const error = await refresh().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ type: 'Bitrix24.UNEXPECTED_RESPONSE' });
    expect((error as Error).message).toContain('refresh_token');
    expect((error as Error).message).not.toContain('only-this');
  });
});
