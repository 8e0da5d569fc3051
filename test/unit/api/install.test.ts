import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, DOMAIN, findSecret, installBody, MEMBER_ID, postForm, SECRETS, testConfig, type TestApp } from './fakes.js';

const ROUTE = '/bitrix24/install';

interface ErrorAnswer {
  error: string;
  message: string;
}

describe('POST /bitrix24/install', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp({ config: testConfig({ B24_OAUTH_HOSTS: 'oauth.bitrix.info,oauth.bitrix24.tech,127.0.0.1:3201' }) });
  });
  afterEach(async () => {
    await t.app.close();
  });

  function expectNothingStored(): void {
    expect(t.portals.installs).toHaveLength(0);
    expect(t.gateway.installs).toHaveLength(0);
  }

  it('stores the verified (refreshed) tokens, then calls the install hook', async () => {
    const response = await postForm(t.app, ROUTE, installBody());
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'installed', memberId: MEMBER_ID });
    expect(t.portals.installs).toEqual([
      {
        memberId: MEMBER_ID,
        domain: DOMAIN,
        clientEndpoint: `https://${DOMAIN}/rest/`,
        serverEndpoint: 'https://oauth.bitrix.info/rest/',
        applicationToken: SECRETS.applicationToken,
        accessToken: SECRETS.refreshedAccessToken,
        refreshToken: SECRETS.refreshedRefreshToken,
        expiresAt: 1_900_003_600,
        scope: 'crm,bizproc',
      },
    ]);
    expect(t.gateway.installs).toEqual([{ memberId: MEMBER_ID, event: 'ONAPPINSTALL' }]);
  });

  it('handles ONAPPUPDATE the same way', async () => {
    const response = await postForm(t.app, ROUTE, installBody({ event: 'ONAPPUPDATE' }));
    expect(response.statusCode).toBe(200);
    expect(t.gateway.installs).toEqual([{ memberId: MEMBER_ID, event: 'ONAPPUPDATE' }]);
  });

  it('matches the allowed domain case-insensitively', async () => {
    const body = installBody({ 'auth[domain]': 'Example.Bitrix24.COM', 'auth[client_endpoint]': 'https://EXAMPLE.bitrix24.com/rest/' });
    expect((await postForm(t.app, ROUTE, body)).statusCode).toBe(200);
    expect(t.verifier.claims[0]?.domain).toBe(DOMAIN);
  });

  it('accepts http for a loopback portal with a port (the emulator)', async () => {
    const body = installBody({
      'auth[domain]': '127.0.0.1:3200',
      'auth[client_endpoint]': 'http://127.0.0.1:3200/rest/',
      'auth[server_endpoint]': 'http://127.0.0.1:3201/rest/',
    });
    expect((await postForm(t.app, ROUTE, body)).statusCode).toBe(200);
  });

  it('a domain outside B24_ALLOWED_DOMAINS is a 403 naming it', async () => {
    const body = installBody({ 'auth[domain]': 'evil.bitrix24.com', 'auth[client_endpoint]': 'https://evil.bitrix24.com/rest/' });
    const response = await postForm(t.app, ROUTE, body);
    expect(response.statusCode).toBe(403);
    expect(response.json<ErrorAnswer>()).toEqual({
      error: 'DOMAIN_NOT_ALLOWED',
      message: 'portal domain evil.bitrix24.com is not in B24_ALLOWED_DOMAINS',
    });
    expect(t.verifier.claims).toHaveLength(0);
    expectNothingStored();
  });

  it('a suffix of an allowed domain is not allowed', async () => {
    const body = installBody({ 'auth[domain]': `x${DOMAIN}`, 'auth[client_endpoint]': `https://x${DOMAIN}/rest/` });
    expect((await postForm(t.app, ROUTE, body)).statusCode).toBe(403);
  });

  it.each([
    ['client_endpoint on another host (SSRF)', { 'auth[client_endpoint]': 'https://169.254.169.254/rest/' }, /auth\.client_endpoint.*host is not auth\.domain/],
    ['client_endpoint on a host that merely starts with the domain', { 'auth[client_endpoint]': `https://${DOMAIN}.evil.com/rest/` }, /auth\.client_endpoint/],
    ['client_endpoint with userinfo pointing elsewhere', { 'auth[client_endpoint]': `https://${DOMAIN}@evil.com/rest/` }, /auth\.client_endpoint/],
    ['client_endpoint over http on a public host', { 'auth[client_endpoint]': `http://${DOMAIN}/rest/` }, /auth\.client_endpoint.*must use https/],
    ['client_endpoint with another scheme', { 'auth[client_endpoint]': `ftp://${DOMAIN}/rest/` }, /auth\.client_endpoint.*must use https/],
    ['client_endpoint that is no URL', { 'auth[client_endpoint]': 'not a url' }, /auth\.client_endpoint.*not a URL/],
    ['server_endpoint outside B24_OAUTH_HOSTS', { 'auth[server_endpoint]': 'https://oauth.evil.com/rest/' }, /auth\.server_endpoint.*B24_OAUTH_HOSTS/],
    ['server_endpoint over http', { 'auth[server_endpoint]': 'http://oauth.bitrix.info/rest/' }, /auth\.server_endpoint.*must use https/],
  ])('%s is a 400', async (_name, overrides, message) => {
    const response = await postForm(t.app, ROUTE, installBody(overrides));
    expect(response.statusCode).toBe(400);
    const answer = response.json<ErrorAnswer>();
    expect(answer.error).toBe('INVALID_ENDPOINT');
    expect(answer.message).toMatch(message);
    expect(t.verifier.claims).toHaveLength(0);
    expectNothingStored();
  });

  it.each(['auth[access_token]', 'auth[refresh_token]', 'auth[client_endpoint]', 'auth[server_endpoint]', 'auth[application_token]'])(
    'an install without %s is a 400',
    async (field) => {
      const response = await postForm(t.app, ROUTE, installBody({ [field]: null }));
      expect(response.statusCode).toBe(400);
      expect(response.json<ErrorAnswer>().error).toBe('VALIDATION_FAILED');
      expectNothingStored();
    },
  );

  it('an event other than ONAPPINSTALL/ONAPPUPDATE is a 400', async () => {
    const response = await postForm(t.app, ROUTE, installBody({ event: 'ONCRMDEALADD' }));
    expect(response.statusCode).toBe(400);
    expectNothingStored();
  });

  it('a failed verification is a 401 and stores nothing', async () => {
    t.verifier.failWith = "the portal's app.info answered HTTP 401 expired_token";
    const response = await postForm(t.app, ROUTE, installBody());
    expect(response.statusCode).toBe(401);
    expect(response.json<ErrorAnswer>()).toEqual({
      error: 'UNAUTHORIZED',
      message: "the install could not be verified with the portal: the portal's app.info answered HTTP 401 expired_token",
    });
    expect(findSecret(response.body)).toBeUndefined();
    expectNothingStored();
  });

  it('does not need the portal to be known already', async () => {
    t.portals.portals.clear();
    expect((await postForm(t.app, ROUTE, installBody())).statusCode).toBe(200);
  });
});
