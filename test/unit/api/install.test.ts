import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  capturingLogger,
  DOMAIN,
  findSecret,
  formEncode,
  installBody,
  MEMBER_ID,
  postForm,
  robotCallBody,
  SECRETS,
  storedPortal,
  testConfig,
  type TestApp,
} from './fakes.js';

const ROUTE = '/bitrix24/install';
const LIBRARY = 'https://api.bitrix24.com/api/v1/';

interface ErrorAnswer {
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
}

/** The install form of an app with a UI (b24restdocs settings/oauth/simple-way.md): query and form body. */
function installForm(body: Record<string, string | null> = {}, query: Record<string, string> = {}) {
  const search = new URLSearchParams({ DOMAIN, PROTOCOL: '1', LANG: 'en', APP_SID: 'b1c9e2a4d7f05c38', ...query });
  return {
    url: `${ROUTE}?${search.toString()}`,
    payload: formEncode({
      AUTH_ID: SECRETS.accessToken,
      AUTH_EXPIRES: '3600',
      REFRESH_ID: SECRETS.refreshToken,
      SERVER_ENDPOINT: 'https://oauth.bitrix.info/rest/',
      member_id: MEMBER_ID,
      status: 'L',
      PLACEMENT: 'DEFAULT',
      ...body,
    }),
  };
}

function uninstallBody(overrides: Record<string, string | null> = {}): string {
  return formEncode({
    event: 'ONAPPUNINSTALL',
    'data[LANGUAGE_ID]': 'en',
    'data[CLEAN]': '0',
    ts: '1466439714',
    'auth[domain]': DOMAIN,
    'auth[server_endpoint]': 'https://oauth.bitrix.info/rest/',
    'auth[client_endpoint]': `https://${DOMAIN}/rest/`,
    'auth[member_id]': MEMBER_ID,
    'auth[application_token]': SECRETS.applicationToken,
    ...overrides,
  });
}

describe('POST /bitrix24/install', () => {
  let t: TestApp;
  let lines: string[];
  beforeEach(async () => {
    const captured = capturingLogger();
    lines = captured.lines;
    t = await buildTestApp({ config: testConfig({ B24_OAUTH_HOSTS: 'oauth.bitrix.info,oauth.bitrix24.tech,127.0.0.1:3201' }), logger: captured.logger });
    // Nothing is installed yet unless a test says so.
    t.portals.portals.clear();
  });
  afterEach(async () => {
    await t.app.close();
  });

  function expectNothingStored(): void {
    expect(t.portals.installs).toHaveLength(0);
    expect(t.gateway.installs).toHaveLength(0);
  }

  function auditLines(): Record<string, unknown>[] {
    return lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.audit !== undefined);
  }

  describe('install callback of an API-only app', () => {
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

    it('writes one audit line per accepted install: portal, user, versions, no secret', async () => {
      t.verifier.identity = { userId: 7, installed: true, appVersion: '4' };
      await postForm(t.app, ROUTE, installBody({ event: 'ONAPPUPDATE' }));
      expect(auditLines()).toEqual([
        expect.objectContaining({
          audit: 'app-install',
          memberId: MEMBER_ID,
          domain: DOMAIN,
          userId: 7,
          event: 'ONAPPUPDATE',
          installPath: 'callback',
          appVersion: '4',
          credentialsVersion: 1,
        }),
      ]);
      expect(findSecret(lines.join('\n'))).toBeUndefined();
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

    it('an event other than the app lifecycle events is a 400', async () => {
      const response = await postForm(t.app, ROUTE, installBody({ event: 'ONCRMDEALADD' }));
      expect(response.statusCode).toBe(400);
      expect(response.json<ErrorAnswer>().message).toContain('ONAPPINSTALL, ONAPPUPDATE, ONAPPUNINSTALL');
      expectNothingStored();
    });

    it('a body that is neither a lifecycle event nor an install form is a 400', async () => {
      const response = await postForm(t.app, ROUTE, formEncode({ hello: 'world' }));
      expect(response.statusCode).toBe(400);
      expect(response.json<ErrorAnswer>().issues?.map((issue) => issue.path)).toEqual(['event']);
    });

    it('a failed verification is a 401 and stores nothing', async () => {
      t.verifier.failWith = "the OAuth server's app.info answered HTTP 401 expired_token";
      const response = await postForm(t.app, ROUTE, installBody());
      expect(response.statusCode).toBe(401);
      expect(response.json<ErrorAnswer>()).toEqual({
        error: 'UNAUTHORIZED',
        message: "the install could not be verified with the portal: the OAuth server's app.info answered HTTP 401 expired_token",
      });
      expect(findSecret(response.body)).toBeUndefined();
      expectNothingStored();
    });

    it('a portal over its request limit during the check is a 503 asking to retry, and stores nothing', async () => {
      t.verifier.busyWith = "the portal's user.admin answered HTTP 503 QUERY_LIMIT_EXCEEDED";
      const response = await postForm(t.app, ROUTE, installBody());
      expect(response.statusCode).toBe(503);
      expect(response.json<ErrorAnswer>()).toEqual({
        error: 'PORTAL_BUSY',
        message: "the portal could not answer the install check now (the portal's user.admin answered HTTP 503 QUERY_LIMIT_EXCEEDED); retry in a few seconds",
      });
      expectNothingStored();
    });
  });

  describe('an install that is not an administrator’s (takeover)', () => {
    beforeEach(() => {
      t.portals.portals.set(MEMBER_ID, storedPortal());
      t.verifier.refuseWith = 'the user whose token came with it is not a portal administrator';
    });

    it.each([
      ['a replayed install callback', () => installBody({ 'auth[application_token]': 'ATTACKER-CHOSEN-TOKEN' })],
      ['a replayed update', () => installBody({ event: 'ONAPPUPDATE', 'auth[application_token]': 'ATTACKER-CHOSEN-TOKEN' })],
    ])('%s is a 403; credentials, application token and version stay as they were', async (_name, body) => {
      const response = await postForm(t.app, ROUTE, body());
      expect(response.statusCode).toBe(403);
      expect(response.json<ErrorAnswer>()).toEqual({
        error: 'INSTALL_FORBIDDEN',
        message: 'the install was refused: the user whose token came with it is not a portal administrator',
      });
      expect(t.portals.portals.get(MEMBER_ID)).toEqual(storedPortal());
      expectNothingStored();
      expect(auditLines()).toEqual([]);

      const robot = await postForm(t.app, '/bitrix24/bizproc', robotCallBody());
      expect(robot.statusCode).toBe(200);
    });

    it('a replayed browser install form is a 403 too', async () => {
      t.verifier.identity = { userId: 3, installed: false, appVersion: '1' };
      const form = installForm();
      const response = await postForm(t.app, form.url, form.payload);
      expect(response.statusCode).toBe(403);
      expect(t.verifier.bindings).toEqual([]);
      expect(t.portals.portals.get(MEMBER_ID)).toEqual(storedPortal());
    });
  });

  describe('install form of an app with a UI', () => {
    beforeEach(() => {
      t.verifier.identity = { userId: 1, installed: false, appVersion: '1' };
    });

    it('is verified like the callback, stores the tokens, binds ONAPPINSTALL first, then provisions', async () => {
      const form = installForm();
      const response = await postForm(t.app, form.url, form.payload);
      expect(response.statusCode).toBe(200);
      expect(t.verifier.claims).toEqual([
        {
          memberId: MEMBER_ID,
          domain: DOMAIN,
          clientEndpoint: `https://${DOMAIN}/rest/`,
          serverEndpoint: 'https://oauth.bitrix.info/rest/',
          applicationToken: null,
          accessToken: SECRETS.accessToken,
          refreshToken: SECRETS.refreshToken,
        },
      ]);
      expect(t.portals.portals.get(MEMBER_ID)).toMatchObject({ applicationToken: null, accessToken: SECRETS.refreshedAccessToken, version: 1 });
      expect(t.verifier.bindings).toEqual([{ memberId: MEMBER_ID, handlerUrl: 'http://127.0.0.1:3000/bitrix24/install' }]);
      expect(t.gateway.installs).toEqual([{ memberId: MEMBER_ID, event: 'ONAPPINSTALL' }]);
      expect(auditLines()).toEqual([expect.objectContaining({ audit: 'app-install', installPath: 'browser', userId: 1, applicationTokenKnown: false })]);
    });

    it('answers a page that calls BX24.installFinish() under a strict Content-Security-Policy', async () => {
      const form = installForm();
      const response = await postForm(t.app, form.url, form.payload);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain(`<script src="${LIBRARY}"></script>`);
      const inline = /<script>([^<]*)<\/script>/.exec(response.body)?.[1] ?? '';
      expect(inline).toContain('BX24.installFinish()');
      const hash = `'sha256-${createHash('sha256').update(inline).digest('base64')}'`;
      expect(response.headers['content-security-policy']).toBe(
        `default-src 'none'; script-src https://api.bitrix24.com ${hash}; base-uri 'none'; form-action 'none'`,
      );
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(findSecret(response.body)).toBeUndefined();
    });

    it('keeps the application token already stored when a re-install form carries none', async () => {
      t.portals.portals.set(MEMBER_ID, storedPortal());
      const form = installForm();
      expect((await postForm(t.app, form.url, form.payload)).statusCode).toBe(200);
      expect(t.portals.portals.get(MEMBER_ID)).toMatchObject({ applicationToken: SECRETS.applicationToken, version: 2 });
    });

    it('uses APPLICATION_TOKEN when the form carries one', async () => {
      const form = installForm({ APPLICATION_TOKEN: 'FORM-APP-TOKEN' });
      expect((await postForm(t.app, form.url, form.payload)).statusCode).toBe(200);
      expect(t.portals.portals.get(MEMBER_ID)?.applicationToken).toBe('FORM-APP-TOKEN');
    });

    it('only shows a page, storing nothing, when the app is opened after its install finished', async () => {
      t.verifier.identity = { userId: 3, installed: true, appVersion: '1' };
      const form = installForm();
      const response = await postForm(t.app, form.url, form.payload);
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toContain('<script');
      expect(response.headers['content-security-policy']).toBe("default-src 'none'; base-uri 'none'; form-action 'none'");
      expectNothingStored();
      expect(t.verifier.bindings).toEqual([]);
    });

    it.each([
      ['a domain outside B24_ALLOWED_DOMAINS', {}, { DOMAIN: 'evil.bitrix24.com' }, 403, 'DOMAIN_NOT_ALLOWED'],
      ['http to a public portal', {}, { PROTOCOL: '0' }, 400, 'INVALID_ENDPOINT'],
      ['a SERVER_ENDPOINT outside B24_OAUTH_HOSTS', { SERVER_ENDPOINT: 'https://oauth.evil.com/rest/' }, {}, 400, 'INVALID_ENDPOINT'],
      ['a widget placement', { PLACEMENT: 'CRM_DEAL_DETAIL_TAB' }, {}, 400, 'VALIDATION_FAILED'],
      ['no REFRESH_ID', { REFRESH_ID: null }, {}, 400, 'VALIDATION_FAILED'],
    ])('%s is refused and nothing is stored', async (_name, body, query, status, code) => {
      const form = installForm(body, query);
      const response = await postForm(t.app, form.url, form.payload);
      expect(response.statusCode).toBe(status);
      expect(response.json<ErrorAnswer>().error).toBe(code);
      expectNothingStored();
      expect(t.verifier.bindings).toEqual([]);
    });

    it('a missing DOMAIN is named', async () => {
      const form = installForm();
      const response = await postForm(t.app, `${ROUTE}?PROTOCOL=1`, form.payload);
      expect(response.json<ErrorAnswer>().issues?.map((issue) => issue.path)).toEqual(['DOMAIN']);
    });

    it('a failed ONAPPINSTALL binding is a 502 and no install page (the install stays unfinished)', async () => {
      t.verifier.bindFailsWith = 'binding ONAPPINSTALL answered HTTP 403 ACCESS_DENIED';
      const form = installForm();
      const response = await postForm(t.app, form.url, form.payload);
      expect(response.statusCode).toBe(502);
      expect(response.json<ErrorAnswer>().error).toBe('PORTAL_CALL_FAILED');
      expect(t.gateway.installs).toEqual([]);
    });
  });

  it('puts no token into any log line, whichever path the install takes and however it ends', async () => {
    t.verifier.identity = { userId: 1, installed: false, appVersion: '1' };
    const form = installForm({ APPLICATION_TOKEN: SECRETS.applicationToken });
    await postForm(t.app, form.url, form.payload);
    await postForm(t.app, ROUTE, installBody());
    await postForm(t.app, ROUTE, uninstallBody());
    await postForm(t.app, ROUTE, uninstallBody());
    t.verifier.refuseWith = 'the user whose token came with it is not a portal administrator';
    await postForm(t.app, ROUTE, installBody());
    await postForm(t.app, form.url, form.payload);
    expect(lines.length).toBeGreaterThan(6);
    expect(findSecret(lines.join('\n'))).toBeUndefined();
  });

  describe('ONAPPUNINSTALL', () => {
    beforeEach(() => {
      t.portals.portals.set(MEMBER_ID, storedPortal());
    });

    it('forgets the credentials, stops background work, and later calls from the portal get 401 starting nothing', async () => {
      const response = await postForm(t.app, ROUTE, uninstallBody());
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'uninstalled', memberId: MEMBER_ID });
      expect(t.portals.uninstalls).toEqual([MEMBER_ID]);
      expect(t.gateway.uninstalls).toEqual([MEMBER_ID]);
      expect(auditLines()).toEqual([expect.objectContaining({ audit: 'app-uninstall', memberId: MEMBER_ID, forgotten: true })]);

      const robot = await postForm(t.app, '/bitrix24/bizproc', robotCallBody());
      expect(robot.statusCode).toBe(401);
      expect(t.gateway.robotStarts).toHaveLength(0);
      expect(t.gateway.refusals).toHaveLength(0);
    });

    it.each([
      ['a wrong application_token', { 'auth[application_token]': 'forged' }],
      ['an unknown portal', { 'auth[member_id]': 'never-installed' }],
    ])('with %s is a 401 and changes nothing', async (_name, overrides) => {
      const response = await postForm(t.app, ROUTE, uninstallBody(overrides));
      expect(response.statusCode).toBe(401);
      expect(t.portals.uninstalls).toEqual([]);
      expect(t.gateway.uninstalls).toEqual([]);
      expect(t.portals.portals.get(MEMBER_ID)).toEqual(storedPortal());
    });

    it('without auth[application_token] is a 400', async () => {
      const response = await postForm(t.app, ROUTE, uninstallBody({ 'auth[application_token]': null }));
      expect(response.statusCode).toBe(400);
      expect(t.portals.uninstalls).toEqual([]);
    });

    it('is refused while Bitrix24 has not sent the application token yet (browser install unfinished)', async () => {
      t.portals.portals.set(MEMBER_ID, storedPortal({ applicationToken: null }));
      const response = await postForm(t.app, ROUTE, uninstallBody());
      expect(response.statusCode).toBe(401);
      expect(t.portals.uninstalls).toEqual([]);
    });
  });
});
