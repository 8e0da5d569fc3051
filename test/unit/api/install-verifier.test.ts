import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BitrixInstallVerifier,
  InstallIncompleteError,
  InstallPortalBusyError,
  InstallRefusedError,
  InstallVerificationError,
  type InstallClaim,
} from '../../../api/install-verifier.js';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../../emulators/bitrix24/index.js';
import { MEMBER_ID, SECRETS, testConfig } from './fakes.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

/** One loopback server playing the portal (`/rest/…`) and the OAuth server (`/oauth-server/…`). */
async function startBitrix(): Promise<{ server: Server; origin: string; requests: { path: string; body: string }[]; handlers: Map<string, Handler> }> {
  const requests: { path: string; body: string }[] = [];
  const handlers = new Map<string, Handler>();
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const path = (request.url ?? '').split('?')[0] ?? '';
      requests.push({ path: request.url ?? '', body });
      const handler = handlers.get(path);
      if (!handler) {
        response.writeHead(404).end();
        return;
      }
      handler(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, requests, handlers };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function queryAuth(request: IncomingMessage): string | null {
  return new URL(request.url ?? '/', 'http://x').searchParams.get('auth');
}

describe('BitrixInstallVerifier against loopback portal and OAuth servers', () => {
  let bitrix: Awaited<ReturnType<typeof startBitrix>>;
  let claim: InstallClaim;
  let verifier: BitrixInstallVerifier;
  let appInfo: Record<string, unknown>;

  beforeAll(async () => {
    bitrix = await startBitrix();
  });
  afterAll(async () => {
    bitrix.server.closeAllConnections();
    await new Promise((resolve) => bitrix.server.close(resolve));
  });

  beforeEach(() => {
    bitrix.requests.length = 0;
    const host = new URL(bitrix.origin).host;
    claim = {
      memberId: MEMBER_ID,
      domain: host,
      clientEndpoint: `${bitrix.origin}/rest/`,
      serverEndpoint: `${bitrix.origin}/oauth-server/rest/`,
      applicationToken: SECRETS.applicationToken,
      accessToken: SECRETS.accessToken,
      refreshToken: SECRETS.refreshToken,
    };
    verifier = new BitrixInstallVerifier({ config: testConfig({ B24_OAUTH_HOSTS: host }), timeoutMs: 500, busyPauseMs: () => 10 });
    appInfo = {
      client_id: 'local.test',
      scope: 'crm,bizproc',
      expires: '2030-01-01T00:00:00+00:00',
      install: { installed: false, version: '3', status: 'L', scope: 'crm', domain: host, uri: bitrix.origin, client_endpoint: claim.clientEndpoint, member_id: MEMBER_ID, member_type: 'user' },
      user_id: '1',
    };
    bitrix.handlers.set('/oauth-server/rest/app.info', (request, _body, response) => {
      if (queryAuth(request) === SECRETS.accessToken) json(response, 200, { result: appInfo, time: {} });
      else json(response, 401, { error: 'invalid_token', error_description: 'The access token provided is invalid.' });
    });
    bitrix.handlers.set('/rest/user.admin', (_request, body, response) => {
      const { auth } = JSON.parse(body) as { auth?: string };
      if (auth === SECRETS.accessToken) json(response, 200, { result: true });
      else json(response, 401, { error: 'invalid_token' });
    });
    bitrix.handlers.set('/oauth-server/oauth/token/', (_request, body, response) => {
      const form = new URLSearchParams(body);
      if (form.get('refresh_token') !== SECRETS.refreshToken || form.get('client_secret') !== 'client-secret-value') {
        json(response, 400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
        return;
      }
      json(response, 200, {
        access_token: SECRETS.refreshedAccessToken,
        refresh_token: SECRETS.refreshedRefreshToken,
        expires: 1_900_003_600,
        expires_in: 3600,
        member_id: MEMBER_ID,
        client_endpoint: claim.clientEndpoint,
        domain: 'oauth.bitrix.info',
        scope: 'crm,bizproc',
        server_endpoint: claim.serverEndpoint,
        status: 'L',
        user_id: 1,
      });
    });
  });

  describe('identify (app.info on the OAuth server)', () => {
    it("names the token's user, whether the install finished and the app version", async () => {
      await expect(verifier.identify(claim)).resolves.toEqual({ userId: 1, installed: false, appVersion: '3' });
      expect(bitrix.requests.map((request) => request.path.split('?')[0])).toEqual(['/oauth-server/rest/app.info']);
    });

    it.each([
      ['another member_id', { member_id: 'another-member' }, 'the token belongs to another portal (member_id)'],
      ['another domain', { domain: 'other.bitrix24.com' }, 'the token belongs to another portal (domain)'],
    ])('refuses a token of %s', async (_name, install, reason) => {
      appInfo.install = { ...(appInfo.install as object), ...install };
      const error = await verifier.identify(claim).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InstallRefusedError);
      expect((error as InstallRefusedError).reason).toBe(reason);
    });

    it('refuses a token issued to another application', async () => {
      appInfo.client_id = 'local.someone-else';
      await expect(verifier.identify(claim)).rejects.toThrow(/issued to another application/);
    });

    it('fails when the OAuth server rejects the access token', async () => {
      const error = await verifier.identify({ ...claim, accessToken: 'forged' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InstallVerificationError);
      expect((error as InstallVerificationError).reason).toBe("the OAuth server's app.info answered HTTP 401 invalid_token");
    });

    it('fails when app.info has no install block', async () => {
      bitrix.handlers.set('/oauth-server/rest/app.info', (_request, _body, response) => json(response, 200, { result: { ID: 1 } }));
      await expect(verifier.identify(claim)).rejects.toThrow(/did not describe an install/);
    });

    it('fails fast when app.info does not answer in time', async () => {
      bitrix.handlers.set('/oauth-server/rest/app.info', () => undefined);
      const started = Date.now();
      await expect(verifier.identify(claim)).rejects.toThrow(/app.info timed out/);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('refuses to ask anything without client credentials', async () => {
      const unconfigured = new BitrixInstallVerifier({ config: { ...testConfig(), B24_CLIENT_ID: undefined } });
      await expect(unconfigured.identify(claim)).rejects.toThrow(/B24_CLIENT_ID/);
      expect(bitrix.requests).toHaveLength(0);
    });
  });

  describe('authorize (user.admin, then the refresh)', () => {
    it("returns the refreshed pair for an administrator's token", async () => {
      await expect(verifier.authorize(claim)).resolves.toEqual({
        memberId: MEMBER_ID,
        domain: claim.domain,
        clientEndpoint: claim.clientEndpoint,
        serverEndpoint: claim.serverEndpoint,
        applicationToken: SECRETS.applicationToken,
        accessToken: SECRETS.refreshedAccessToken,
        refreshToken: SECRETS.refreshedRefreshToken,
        expiresAt: 1_900_003_600,
        scope: 'crm,bizproc',
      });
      expect(bitrix.requests.map((request) => request.path)).toEqual(['/rest/user.admin', '/oauth-server/oauth/token/']);
      expect(JSON.parse(bitrix.requests[0]!.body)).toEqual({ auth: SECRETS.accessToken });
    });

    it("refuses a non-administrator's token before any refresh", async () => {
      bitrix.handlers.set('/rest/user.admin', (_request, _body, response) => json(response, 200, { result: false }));
      const error = await verifier.authorize(claim).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InstallRefusedError);
      expect((error as InstallRefusedError).reason).toBe('the user whose token came with it is not a portal administrator');
      expect(bitrix.requests.map((request) => request.path)).toEqual(['/rest/user.admin']);
    });

    it('asks again while the portal answers 503 QUERY_LIMIT_EXCEEDED, and then goes on', async () => {
      let busy = 2;
      bitrix.handlers.set('/rest/user.admin', (_request, _body, response) =>
        busy-- > 0 ? json(response, 503, { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' }) : json(response, 200, { result: true }),
      );
      await expect(verifier.authorize(claim)).resolves.toMatchObject({ accessToken: SECRETS.refreshedAccessToken });
      expect(bitrix.requests.map((request) => request.path)).toEqual(['/rest/user.admin', '/rest/user.admin', '/rest/user.admin', '/oauth-server/oauth/token/']);
    });

    it('reports a portal that stays over its limit as busy, not as a bad token, and refreshes nothing', async () => {
      bitrix.handlers.set('/rest/user.admin', (_request, _body, response) => json(response, 503, { error: 'QUERY_LIMIT_EXCEEDED' }));
      const error = await verifier.authorize(claim).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InstallPortalBusyError);
      expect((error as InstallPortalBusyError).reason).toBe("the portal's user.admin answered HTTP 503 QUERY_LIMIT_EXCEEDED");
      expect(bitrix.requests.map((request) => request.path)).toEqual(['/rest/user.admin', '/rest/user.admin', '/rest/user.admin']);
    });

    it('fails when the portal rejects the token', async () => {
      const error = await verifier.authorize({ ...claim, accessToken: 'forged' }).catch((caught: unknown) => caught);
      expect((error as InstallVerificationError).reason).toBe("the portal's user.admin answered HTTP 401 invalid_token");
    });

    it('fails when the OAuth server refuses the refresh token', async () => {
      const error = await verifier.authorize({ ...claim, refreshToken: 'forged' }).catch((caught: unknown) => caught);
      expect((error as InstallVerificationError).reason).toBe('the OAuth refresh failed (invalid_grant)');
    });

    it('fails when the refresh reports another portal', async () => {
      const other = new BitrixInstallVerifier({
        config: testConfig({ B24_OAUTH_HOSTS: new URL(bitrix.origin).host }),
        refreshTokens: async () => ({
          accessToken: 'a',
          refreshToken: 'r',
          expiresAt: 1,
          memberId: 'another-member',
          clientEndpoint: claim.clientEndpoint,
          domain: 'oauth.bitrix.info',
          scope: '',
          serverEndpoint: claim.serverEndpoint,
          userId: 1,
          status: 'L',
        }),
      });
      await expect(other.authorize(claim)).rejects.toThrow(/different member_id/);
    });

    it('fails when the portal cannot be reached', async () => {
      await expect(verifier.authorize({ ...claim, clientEndpoint: 'http://127.0.0.1:1/rest/' })).rejects.toThrow(/could not be reached/);
    });
  });

  describe('bindInstallEvent', () => {
    it('binds ONAPPINSTALL to the install URL, and accepts a binding that already exists', async () => {
      bitrix.handlers.set('/rest/event.bind', (_request, body, response) => json(response, 200, { result: true, seen: body }));
      const install = await verifier.authorize(claim);
      await verifier.bindInstallEvent(install, 'https://app.example.com/bitrix24/install');
      expect(JSON.parse(bitrix.requests.at(-1)!.body)).toEqual({
        auth: SECRETS.refreshedAccessToken,
        event: 'ONAPPINSTALL',
        handler: 'https://app.example.com/bitrix24/install',
      });
      bitrix.handlers.set('/rest/event.bind', (_request, _body, response) =>
        json(response, 400, { error: 'ERROR_HANDLER_ALREADY_EXIST', error_description: 'Handler already exists!' }),
      );
      await expect(verifier.bindInstallEvent(install, 'https://app.example.com/bitrix24/install')).resolves.toBeUndefined();
    });

    it('reports any other answer as an incomplete install', async () => {
      bitrix.handlers.set('/rest/event.bind', (_request, _body, response) => json(response, 403, { error: 'ACCESS_DENIED' }));
      const install = await verifier.authorize(claim);
      const error = await verifier.bindInstallEvent(install, 'https://app.example.com/bitrix24/install').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InstallIncompleteError);
      expect((error as InstallIncompleteError).reason).toBe('binding ONAPPINSTALL answered HTTP 403 ACCESS_DENIED');
    });
  });

  it('never puts a token into its error messages', async () => {
    bitrix.handlers.set('/rest/user.admin', (_request, _body, response) => json(response, 200, { result: false }));
    const errors = await Promise.all([
      verifier.identify({ ...claim, accessToken: 'forged' }).catch((caught: unknown) => caught),
      verifier.authorize({ ...claim, refreshToken: 'forged-refresh' }).catch((caught: unknown) => caught),
      verifier.authorize(claim).catch((caught: unknown) => caught),
    ]);
    for (const error of errors) {
      expect((error as Error).message).not.toMatch(/forged|TOKEN|client-secret/);
    }
  });
});

describe('BitrixInstallVerifier against the Bitrix24 emulator', () => {
  let emulator: Bitrix24Emulator;
  let verifier: BitrixInstallVerifier;

  beforeAll(async () => {
    emulator = await startBitrix24Emulator({ rateLimit: false });
    verifier = new BitrixInstallVerifier({
      config: testConfig({ B24_OAUTH_HOSTS: '127.0.0.1', B24_CLIENT_ID: 'local.emulator.app', B24_CLIENT_SECRET: 'emulator-secret' }),
    });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  /** The tokens a user's browser receives when they open a widget (placement call). */
  function widgetClaim(userId: number): InstallClaim {
    const call = emulator.placementCall(`${emulator.url}/nowhere`, { placement: 'CRM_DEAL_DETAIL_TAB', userId });
    return {
      memberId: emulator.memberId,
      domain: emulator.domain,
      clientEndpoint: emulator.clientEndpoint,
      serverEndpoint: emulator.serverEndpoint,
      applicationToken: call.body.APPLICATION_TOKEN ?? null,
      accessToken: call.body.AUTH_ID ?? '',
      refreshToken: call.body.REFRESH_ID ?? '',
    };
  }

  it("accepts the administrator's tokens and refuses seeded user 3's, who is no administrator", async () => {
    const admin = widgetClaim(1);
    await expect(verifier.identify(admin)).resolves.toMatchObject({ userId: 1 });
    await expect(verifier.authorize(admin)).resolves.toMatchObject({ memberId: emulator.memberId });

    const manager = widgetClaim(3);
    await expect(verifier.identify(manager)).resolves.toMatchObject({ userId: 3 });
    await expect(verifier.authorize(manager)).rejects.toBeInstanceOf(InstallRefusedError);
  });

  it('refuses tokens presented under another member_id', async () => {
    await expect(verifier.identify({ ...widgetClaim(1), memberId: 'someone-else' })).rejects.toThrow(/another portal/);
  });
});
