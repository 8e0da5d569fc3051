import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BitrixInstallVerifier, InstallVerificationError, type InstallClaim } from '../../../api/install-verifier.js';
import { MEMBER_ID, SECRETS, testConfig } from './fakes.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

/** One loopback server playing the portal (`/rest/app.info`) and the OAuth server (`/oauth/token/`). */
async function startBitrix(): Promise<{ server: Server; origin: string; requests: { path: string; body: string }[]; handlers: Map<string, Handler> }> {
  const requests: { path: string; body: string }[] = [];
  const handlers = new Map<string, Handler>();
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const path = request.url ?? '';
      requests.push({ path, body });
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

describe('BitrixInstallVerifier against loopback portal and OAuth servers', () => {
  let bitrix: Awaited<ReturnType<typeof startBitrix>>;
  let claim: InstallClaim;
  let verifier: BitrixInstallVerifier;

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
      serverEndpoint: `${bitrix.origin}/rest/`,
      applicationToken: SECRETS.applicationToken,
      accessToken: SECRETS.accessToken,
      refreshToken: SECRETS.refreshToken,
    };
    verifier = new BitrixInstallVerifier({ config: testConfig({ B24_OAUTH_HOSTS: host }), timeoutMs: 500 });
    bitrix.handlers.set('/rest/app.info', (_request, body, response) => {
      const { auth } = JSON.parse(body) as { auth?: string };
      if (auth === SECRETS.accessToken) json(response, 200, { result: { ID: 1, CODE: 'local.test', STATUS: 'L' } });
      else json(response, 401, { error: 'invalid_token', error_description: 'The access token provided is invalid.' });
    });
    bitrix.handlers.set('/oauth/token/', (_request, body, response) => {
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

  it('returns the refreshed pair after app.info accepted the access token', async () => {
    await expect(verifier.verify(claim)).resolves.toEqual({
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
    expect(bitrix.requests.map((request) => request.path)).toEqual(['/rest/app.info', '/oauth/token/']);
    expect(JSON.parse(bitrix.requests[0]!.body)).toEqual({ auth: SECRETS.accessToken });
  });

  it('fails when the portal rejects the access token, before any refresh', async () => {
    const error = await verifier.verify({ ...claim, accessToken: 'forged' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InstallVerificationError);
    expect((error as InstallVerificationError).reason).toBe("the portal's app.info answered HTTP 401 invalid_token");
    expect(bitrix.requests.map((request) => request.path)).toEqual(['/rest/app.info']);
  });

  it('fails when app.info answers 200 without a result', async () => {
    bitrix.handlers.set('/rest/app.info', (_request, _body, response) => json(response, 200, { error: 'nope' }));
    await expect(verifier.verify(claim)).rejects.toThrow(/app.info answered HTTP 200/);
  });

  it('fails when the OAuth server refuses the refresh token', async () => {
    const error = await verifier.verify({ ...claim, refreshToken: 'forged' }).catch((caught: unknown) => caught);
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
    await expect(other.verify(claim)).rejects.toThrow(/different member_id/);
  });

  it('fails fast when app.info does not answer in time', async () => {
    bitrix.handlers.set('/rest/app.info', () => undefined);
    const started = Date.now();
    await expect(verifier.verify(claim)).rejects.toThrow(/app.info timed out/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('fails when the portal cannot be reached', async () => {
    await expect(verifier.verify({ ...claim, clientEndpoint: 'http://127.0.0.1:1/rest/' })).rejects.toThrow(/could not be reached/);
  });

  it('refuses to verify without client credentials', async () => {
    const unconfigured = new BitrixInstallVerifier({ config: { ...testConfig(), B24_CLIENT_ID: undefined } });
    await expect(unconfigured.verify(claim)).rejects.toThrow(/B24_CLIENT_ID/);
    expect(bitrix.requests).toHaveLength(0);
  });

  it('never puts a token into its error messages', async () => {
    const errors = await Promise.all([
      verifier.verify({ ...claim, accessToken: 'forged' }).catch((caught: unknown) => caught),
      verifier.verify({ ...claim, refreshToken: 'forged-refresh' }).catch((caught: unknown) => caught),
    ]);
    for (const error of errors) {
      expect((error as Error).message).not.toMatch(/forged|TOKEN|client-secret/);
    }
  });
});
