import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createBitrix24Client, type Bitrix24ClientDeps } from '../../../integrations/bitrix24/client.js';
import { Bitrix24Error } from '../../../integrations/bitrix24/errors.js';
import { refreshOAuthTokens } from '../../../integrations/bitrix24/oauth.js';
import { createMemoryPortalStore } from '../../support/memory-portal-store.js';
import { SECRET_ACCESS_TOKEN, portalCredentials } from './support/portal-fixture.js';

const CLIENT_SECRET = 'client-SECRET-b71e0c';
const REFRESH_TOKEN = 'refresh-SECRET-4d22a9';
const WEBHOOK_CODE = 'hookSECRET93ac1';

interface SeenRequest {
  method: string;
  path: string;
  body: string;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface RecordingServer {
  /** `127.0.0.1:PORT` */
  host: string;
  origin: string;
  seen: SeenRequest[];
  /** Every byte any request carried: path and body. */
  received(): string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** A loopback server that records every request, whatever its method, and answers through `answer`. */
async function recordingServer(answer: (request: SeenRequest) => Answer): Promise<RecordingServer> {
  const seen: SeenRequest[] = [];
  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const entry = { method: request.method ?? '', path: request.url ?? '', body };
      seen.push(entry);
      const reply = answer(entry);
      response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      response.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { host, origin: `http://${host}`, seen, received: () => seen.map((entry) => `${entry.path} ${entry.body}`).join('\n') };
}

const redirect = (status: number, location: string): Answer => ({ status, headers: { location } });
const restOk = (result: unknown): Answer => ({ status: 200, body: { result, time: { start: 0, finish: 0, duration: 0 } } });

function tokenAnswer(): Answer {
  return {
    status: 200,
    body: {
      access_token: 'fresh-access',
      refresh_token: 'fresh-refresh',
      expires_in: 3600,
      member_id: 'member-1',
      client_endpoint: 'https://example.bitrix24.com/rest/',
      domain: 'oauth.bitrix.info',
      scope: 'crm',
      server_endpoint: 'https://oauth.bitrix.info/rest/',
    },
  };
}

function refresh(oauthOrigin: string, allowedHosts: string[]) {
  return refreshOAuthTokens({
    serverEndpoint: `${oauthOrigin}/rest/`,
    refreshToken: REFRESH_TOKEN,
    clientId: 'app.1',
    clientSecret: CLIENT_SECRET,
    allowedHosts,
    httpTimeoutMs: 5_000,
  });
}

const clients: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

function client(deps: Bitrix24ClientDeps) {
  const created = createBitrix24Client({ logger: pino({ level: 'silent' }), httpTimeoutMs: 5_000, ...deps });
  clients.push(created);
  return created;
}

describe('OAuth refresh and redirects', () => {
  it.each([301, 302, 303, 307, 308])(
    'an allowed OAuth server answering %i to another local port: that port never receives the secret or the refresh token',
    async (status) => {
      const elsewhere = await recordingServer(() => tokenAnswer());
      const oauth = await recordingServer(() => redirect(status, `${elsewhere.origin}/oauth/token/`));

      const refused = await refresh(oauth.origin, [oauth.host]).catch((error: unknown) => error);

      expect(refused).toBeInstanceOf(Bitrix24Error);
      expect(refused).toMatchObject({ code: 'REDIRECT_NOT_ALLOWED' });
      expect(oauth.seen).toHaveLength(1);
      expect(oauth.received()).toContain(CLIENT_SECRET);
      expect(elsewhere.seen).toEqual([]);
      expect(String((refused as Error).message)).not.toContain(REFRESH_TOKEN);
    },
  );

  it('follows a redirect to another allowed OAuth host, re-sending the POST with its form', async () => {
    const second = await recordingServer(() => tokenAnswer());
    const first = await recordingServer(() => redirect(307, `${second.origin}/oauth/token/`));

    await expect(refresh(first.origin, [first.host, second.host])).resolves.toMatchObject({ accessToken: 'fresh-access' });
    expect(second.seen).toHaveLength(1);
    expect(second.seen[0]).toMatchObject({ method: 'POST', path: '/oauth/token/' });
    expect(new URLSearchParams(second.seen[0]?.body).get('grant_type')).toBe('refresh_token');
  });
});

describe('REST calls and redirects', () => {
  it('refuses a redirect to another host: the access token never reaches it', async () => {
    const elsewhere = await recordingServer(() => restOk(true));
    const portal = await recordingServer((request) => redirect(302, `${elsewhere.origin}${request.path}`));
    const store = createMemoryPortalStore([portalCredentials(`${portal.origin}/rest/`, { domain: portal.host })]);
    const b24 = client({ store, allowedDomains: [portal.host] });

    const refused = await b24.call('member-1', 'crm.deal.get', { id: 1 }).catch((error: unknown) => error);

    expect(refused).toMatchObject({ code: 'REDIRECT_NOT_ALLOWED', method: 'crm.deal.get' });
    expect(portal.received()).toContain(SECRET_ACCESS_TOKEN);
    expect(elsewhere.seen).toEqual([]);
    expect((await store.find('member-1'))?.clientEndpoint).toBe(`${portal.origin}/rest/`);
  });

  it('follows a moved portal to an allowed domain with the same method and body, and calls the new domain directly next time', async () => {
    const moved = await recordingServer((request) => restOk({ path: request.path }));
    const old = await recordingServer((request) => redirect(302, `${moved.origin}${request.path}`));
    const store = createMemoryPortalStore([portalCredentials(`${old.origin}/rest/`, { domain: old.host })]);
    const b24 = client({ store, allowedDomains: [old.host, moved.host] });

    await expect(b24.call('member-1', 'crm.deal.update', { id: 5, fields: { TITLE: 'x' } })).resolves.toEqual({
      path: '/rest/crm.deal.update',
    });
    expect(moved.seen[0]?.method).toBe('POST');
    expect(JSON.parse(moved.seen[0]?.body ?? '{}')).toEqual({ id: 5, fields: { TITLE: 'x' }, auth: SECRET_ACCESS_TOKEN });
    expect(await store.find('member-1')).toMatchObject({ domain: moved.host, clientEndpoint: `${moved.origin}/rest/`, version: 1 });

    await b24.call('member-1', 'crm.deal.get', { id: 5 });
    expect(old.seen).toHaveLength(1);
    expect(moved.seen.map((request) => request.path)).toEqual(['/rest/crm.deal.update', '/rest/crm.deal.get']);
  });

  it('follows a same-origin redirect without any allow-list', async () => {
    const portal = await recordingServer((request) =>
      request.path.startsWith('/old/') ? redirect(308, request.path.replace('/old/', '/rest/')) : restOk('here'),
    );
    const store = createMemoryPortalStore([portalCredentials(`${portal.origin}/old/`)]);
    await expect(client({ store }).call('member-1', 'app.info')).resolves.toBe('here');
  });

  it('webhook mode: refuses a redirect off the allow-list; the webhook code never reaches the other host', async () => {
    const elsewhere = await recordingServer(() => restOk(true));
    const portal = await recordingServer((request) => redirect(302, `${elsewhere.origin}${request.path}`));
    const b24 = client({ store: createMemoryPortalStore(), webhookUrl: `${portal.origin}/rest/1/${WEBHOOK_CODE}/` });

    const refused = await b24.call('member-x', 'user.current').catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'REDIRECT_NOT_ALLOWED' });
    expect(String((refused as Error).message)).not.toContain(WEBHOOK_CODE);
    expect(elsewhere.seen).toEqual([]);
  });

  it('webhook mode: follows a move to an allowed domain and keeps calling it in this process', async () => {
    const moved = await recordingServer(() => restOk({ ID: '1' }));
    const old = await recordingServer((request) => redirect(302, `${moved.origin}${request.path}`));
    const b24 = client({
      store: createMemoryPortalStore(),
      webhookUrl: `${old.origin}/rest/1/${WEBHOOK_CODE}/`,
      allowedDomains: [moved.host],
    });

    await b24.call('member-x', 'user.current');
    await b24.call('member-x', 'user.current');
    expect(old.seen).toHaveLength(1);
    expect(moved.seen.map((request) => request.path)).toEqual([
      `/rest/1/${WEBHOOK_CODE}/user.current`,
      `/rest/1/${WEBHOOK_CODE}/user.current`,
    ]);
  });

  it('refuses a redirect from https to plain http even on an allowed domain', async () => {
    const store = createMemoryPortalStore([portalCredentials('https://portal.example/rest/')]);
    const fetchImpl = async () => new Response(null, { status: 302, headers: { location: 'http://portal.example/rest/app.info' } });
    const b24 = client({ store, allowedDomains: ['portal.example'], fetchImpl: fetchImpl as never });
    await expect(b24.call('member-1', 'app.info')).rejects.toMatchObject({ code: 'INSECURE_REDIRECT' });
  });
});
