import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createBitrix24Client, type Bitrix24ClientDeps } from '../../../integrations/bitrix24/client.js';
import { Bitrix24Error } from '../../../integrations/bitrix24/errors.js';
import { withSecretCensoring } from '../../../lib/logger.js';
import { createMemoryPortalStore } from '../../support/memory-portal-store.js';
import { SECRET_ACCESS_TOKEN, portalCredentials } from './support/portal-fixture.js';
import { fail, methodOf, ok, startStubPortal, type StubHandler, type StubPortal } from './support/stub-portal.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function stub(handler: StubHandler): Promise<StubPortal> {
  const portal = await startStubPortal(handler);
  cleanups.push(() => portal.close());
  return portal;
}

function client(deps: Bitrix24ClientDeps) {
  const created = createBitrix24Client({ queryLimitBackoffMs: 5, ...deps });
  cleanups.push(() => created.close());
  return created;
}

const EXPIRED = 'The access token provided has expired.';

/** Accepts only the token the store holds now; every older one is expired. */
function tokenCheckingHandler(currentToken: () => string | undefined, onOk: StubHandler): StubHandler {
  return (request) =>
    request.body.auth === currentToken() ? onOk(request) : fail(401, 'expired_token', EXPIRED);
}

describe('Bitrix24 client', () => {
  it('POSTs JSON to clientEndpoint + method with auth in the body and returns result', async () => {
    const portal = await stub((request) => ok({ method: methodOf(request), echo: request.body.id }, { total: 1 }));
    const store = createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]);
    const b24 = client({ store });

    await expect(b24.call('member-1', 'crm.item.get', { entityTypeId: 2, id: 7 })).resolves.toEqual({
      method: 'crm.item.get',
      echo: 7,
    });
    const raw = await b24.callRaw('member-1', 'crm.item.get', { id: 8 });
    expect(raw).toMatchObject({ result: { echo: 8 }, total: 1 });
    expect(raw.time?.operating).toBe(0);
    expect(portal.requests[0]).toMatchObject({
      path: '/rest/crm.item.get',
      contentType: 'application/json',
      body: { entityTypeId: 2, id: 7, auth: SECRET_ACCESS_TOKEN },
    });
  });

  it('falls back to the webhook URL, without auth, when the store knows no portal', async () => {
    const portal = await stub(() => ok(true));
    const b24 = client({ store: createMemoryPortalStore(), webhookUrl: `${portal.url}rest/1/webhookcode/` });
    await b24.call('member-x', 'im.notify.system.add', { USER_ID: 1, MESSAGE: 'hi' });
    expect(portal.requests[0]?.path).toBe('/rest/1/webhookcode/im.notify.system.add');
    expect(portal.requests[0]?.body).toEqual({ USER_ID: 1, MESSAGE: 'hi' });
  });

  it('fails non-retryable when neither store nor webhook knows the portal', async () => {
    const b24 = client({ store: createMemoryPortalStore() });
    await expect(b24.call('member-x', 'user.current')).rejects.toMatchObject({
      type: 'Bitrix24.PORTAL_NOT_INSTALLED',
      retryable: false,
    });
  });

  it('on expired_token refreshes once through the store and retries with the new token', async () => {
    const refreshedToken = `${SECRET_ACCESS_TOKEN}~v2`;
    const portal = await stub(tokenCheckingHandler(() => refreshedToken, () => ok({ ok: true })));
    const store = createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]);
    const b24 = client({ store });

    await expect(b24.call('member-1', 'crm.deal.get', { id: 1 })).resolves.toEqual({ ok: true });
    expect(store.refreshCount('member-1')).toBe(1);
    expect((await store.find('member-1'))?.accessToken).toBe(refreshedToken);
    expect(portal.requests.map((request) => request.body.auth)).toEqual([SECRET_ACCESS_TOKEN, refreshedToken]);
  });

  it('refreshes only once per call: a second expired_token fails retryable', async () => {
    const portal = await stub(() => fail(401, 'expired_token', 'The access token provided has expired.'));
    const store = createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]);
    const b24 = client({ store });
    await expect(b24.call('member-1', 'crm.deal.get', { id: 1 })).rejects.toMatchObject({
      type: 'Bitrix24.expired_token',
      retryable: true,
    });
    expect(store.refreshCount('member-1')).toBe(1);
    expect(portal.requests).toHaveLength(2);
  });

  it('20 concurrent calls hitting expired_token cause exactly one refresh', async () => {
    let valid = 'no token is valid before the refresh';
    const portal = await stub(tokenCheckingHandler(() => valid, (request) => ok(request.body.n)));
    const store = createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)], async (current) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      valid = `fresh-${current.version + 1}`;
      return { accessToken: valid, refreshToken: 'rotated', expiresAt: 0 };
    });
    const b24 = client({ store });
    const calls = Array.from({ length: 20 }, (_, n) => b24.call('member-1', 'crm.item.get', { n }));
    const results = await Promise.all(calls);
    expect(results).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(store.refreshCount('member-1')).toBe(1);
  });

  it('retries QUERY_LIMIT_EXCEEDED a few times inside the call, then fails retryable', async () => {
    let rejections = 2;
    const portal = await stub(() =>
      rejections-- > 0 ? fail(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests') : ok('done'),
    );
    const store = createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]);
    const b24 = client({ store, rateLimit: { perSecond: 1000, burst: 50 } });
    await expect(b24.call('member-1', 'user.current')).resolves.toBe('done');
    expect(portal.requests).toHaveLength(3);

    rejections = 100;
    const failure = await b24.call('member-1', 'user.current').catch((error: unknown) => error);
    expect(failure).toMatchObject({ type: 'Bitrix24.QUERY_LIMIT_EXCEEDED', retryable: true, retryDelayMs: 1_000 });
    expect(portal.requests).toHaveLength(3 + 4);
  });

  it('maps the crm.deal.* empty-code 400 to a final BAD_REQUEST with the description', async () => {
    const portal = await stub(() => fail(400, '', 'ID is not defined or invalid.'));
    const b24 = client({ store: createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]) });
    const failure = await b24.call('member-1', 'crm.deal.get', { id: 0 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Bitrix24Error);
    expect(failure).toMatchObject({
      type: 'Bitrix24.BAD_REQUEST',
      retryable: false,
      status: 400,
      method: 'crm.deal.get',
      description: 'ID is not defined or invalid.',
    });
  });

  it('treats a 502 HTML page as a retryable server error', async () => {
    const portal = await stub(() => ({ status: 502, rawBody: '<html>Bad Gateway</html>' }));
    const b24 = client({ store: createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]) });
    await expect(b24.call('member-1', 'user.current')).rejects.toMatchObject({
      type: 'Bitrix24.SERVER_ERROR',
      retryable: true,
      status: 502,
    });
  });

  it('after OPERATION_TIME_LIMIT holds further calls to that method until operating_reset_at', async () => {
    const resetAt = Math.floor(Date.now() / 1000) + 300;
    const portal = await stub((request) =>
      methodOf(request) === 'crm.item.list'
        ? fail(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.', {
            time: { operating: 481, operating_reset_at: resetAt },
          })
        : ok('fine'),
    );
    const b24 = client({ store: createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]) });
    const first = await b24.call('member-1', 'crm.item.list').catch((error: unknown) => error);
    expect(first).toMatchObject({ type: 'Bitrix24.OPERATION_TIME_LIMIT', retryable: true });
    expect((first as Bitrix24Error).retryDelayMs).toBeGreaterThan(290_000);
    // The second call is refused locally (no request) instead of hitting the blocked method again.
    const second = b24.call('member-1', 'crm.item.list');
    await expect(second).rejects.toMatchObject({ type: 'Bitrix24.OPERATION_TIME_LIMIT' });
    expect(portal.requests).toHaveLength(1);
    await expect(b24.call('member-1', 'crm.item.get')).resolves.toBe('fine');
  });

  it('re-POSTs the same body after a 302 to an allowed domain (portal domain change)', async () => {
    const target = await stub((request) => ok({ got: request.body.id }));
    const moved = await stub((request) => ({
      status: 302,
      headers: { location: `${target.url}rest/${methodOf(request)}` },
    }));
    const store = createMemoryPortalStore([portalCredentials(`${moved.url}rest/`)]);
    const b24 = client({ store, allowedDomains: [new URL(target.url).host] });
    await expect(b24.call('member-1', 'crm.deal.get', { id: 42 })).resolves.toEqual({ got: 42 });
    expect(target.requests[0]?.body).toEqual({ id: 42, auth: SECRET_ACCESS_TOKEN });
  });

  it('times out a silent portal as a retryable TIMEOUT', async () => {
    const portal = await stub(() => new Promise(() => undefined));
    const store = createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]);
    const b24 = client({ store, httpTimeoutMs: 150 });
    const call = b24.call('member-1', 'user.current');
    await expect(call).rejects.toMatchObject({ type: 'Bitrix24.TIMEOUT', retryable: true });
  });

  it("rejects with the caller's abort reason when the activity is cancelled", async () => {
    const portal = await stub(() => new Promise(() => undefined));
    const b24 = client({ store: createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]) });
    const controller = new AbortController();
    const call = b24.call('member-1', 'user.current', {}, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('activity cancelled')), 50);
    await expect(call).rejects.toThrow('activity cancelled');
  });

  it('never puts a token into log lines or error messages', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino(withSecretCensoring({ level: 'debug' }), sink);
    const webhookCode = 'w3bh00kS3cr3tC0de';
    const portal = await stub((request) =>
      request.path.includes(webhookCode)
        ? fail(400, '', `cannot use ${request.path}`)
        : fail(401, 'expired_token', 'The access token provided has expired.'),
    );
    const oauth = client({ store: createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]), logger });
    const webhookUrl = `${portal.url}rest/1/${webhookCode}/`;
    const webhook = client({ store: createMemoryPortalStore(), webhookUrl, logger });

    const errors = [
      await oauth.call('member-1', 'crm.deal.get', { id: 1 }).catch((error: unknown) => error),
      await webhook.call('member-1', 'crm.deal.get', { id: 1 }).catch((error: unknown) => error),
    ];
    const logged = lines.join('\n');
    expect(lines.filter((line) => line.includes('"msg":"bitrix24 call"'))).toHaveLength(3);
    expect(logged).toContain('"method":"crm.deal.get"');
    expect(logged).toContain('"memberId":"member-1"');
    for (const secret of [SECRET_ACCESS_TOKEN, `${SECRET_ACCESS_TOKEN}~v2`, webhookCode]) {
      expect(logged).not.toContain(secret);
      for (const error of errors) {
        expect(error).toBeInstanceOf(Bitrix24Error);
        expect(String((error as Error).message)).not.toContain(secret);
        expect(JSON.stringify(error)).not.toContain(secret);
      }
    }
  });
});
