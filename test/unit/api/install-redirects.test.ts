import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BitrixInstallVerifier, InstallVerificationError, type InstallClaim } from '../../../api/install-verifier.js';
import { MEMBER_ID, SECRETS, testConfig } from './fakes.js';

interface Recorder {
  origin: string;
  host: string;
  received: string[];
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Answers every request with `answer(path)`; records path and body of each. */
async function recorder(answer: (path: string) => { status: number; location?: string; body?: unknown }): Promise<Recorder> {
  const received: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push(`${request.method} ${request.url} ${body}`);
      const reply = answer(request.url ?? '');
      response.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.location ? { location: reply.location } : {}) });
      response.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin: `http://${host}`, host, received };
}

function claimFor(portal: Recorder, oauth: Recorder): InstallClaim {
  return {
    memberId: MEMBER_ID,
    domain: portal.host,
    clientEndpoint: `${portal.origin}/rest/`,
    serverEndpoint: `${oauth.origin}/rest/`,
    applicationToken: SECRETS.applicationToken,
    accessToken: SECRETS.accessToken,
    refreshToken: SECRETS.refreshToken,
  };
}

describe('install verification never follows a redirect to another host', () => {
  it("an OAuth server whose app.info answers 307 to another port: that port never sees the access token", async () => {
    const elsewhere = await recorder(() => ({ status: 200, body: { result: {} } }));
    const portal = await recorder(() => ({ status: 500 }));
    const oauth = await recorder((path) => ({ status: 307, location: `${elsewhere.origin}${path}` }));
    const verifier = new BitrixInstallVerifier({ config: testConfig({ B24_OAUTH_HOSTS: oauth.host }), timeoutMs: 2_000 });

    await expect(verifier.identify(claimFor(portal, oauth))).rejects.toBeInstanceOf(InstallVerificationError);
    expect(oauth.received.join('\n')).toContain(SECRETS.accessToken);
    expect(elsewhere.received).toEqual([]);
  });

  it("a portal whose user.admin answers 307 to another port: that port never sees the access token", async () => {
    const elsewhere = await recorder(() => ({ status: 200, body: { result: true } }));
    const portal = await recorder((path) => ({ status: 307, location: `${elsewhere.origin}${path}` }));
    const oauth = await recorder(() => ({ status: 500 }));
    const verifier = new BitrixInstallVerifier({ config: testConfig({ B24_OAUTH_HOSTS: oauth.host }), timeoutMs: 2_000 });

    await expect(verifier.authorize(claimFor(portal, oauth))).rejects.toBeInstanceOf(InstallVerificationError);
    expect(portal.received.join('\n')).toContain(SECRETS.accessToken);
    expect(elsewhere.received).toEqual([]);
  });

  it('an allowed OAuth server answering 307 to another port: that port never sees the refresh token or the client secret', async () => {
    const elsewhere = await recorder(() => ({ status: 200, body: {} }));
    const portal = await recorder(() => ({ status: 200, body: { result: true } }));
    const oauth = await recorder((path) => ({ status: 307, location: `${elsewhere.origin}${path}` }));
    const verifier = new BitrixInstallVerifier({ config: testConfig({ B24_OAUTH_HOSTS: oauth.host }), timeoutMs: 2_000 });

    const failure = await verifier.authorize(claimFor(portal, oauth)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InstallVerificationError);
    expect((failure as InstallVerificationError).reason).toMatch(/REDIRECT_NOT_ALLOWED/);
    expect(oauth.received.join('\n')).toContain(SECRETS.refreshToken);
    expect(elsewhere.received).toEqual([]);
  });
});
