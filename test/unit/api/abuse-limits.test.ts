import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../api/app.js';
import { derivePageTokenKey, issuePageToken } from '../../../api/placements/page-token.js';
import { portalBucketOf } from '../../../api/plugins/rate-limit-keys.js';
import { buildTestApp, FakeVerifier, InMemoryPortals, MEMBER_ID, RecordingGateway, robotCallBody, SECRETS, testConfig, type TestApp } from './fakes.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
let t: TestApp | undefined;

afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

async function appWith(env: Record<string, string>): Promise<TestApp> {
  t = await buildTestApp({ config: testConfig(env) });
  return t;
}

function robotCall(app: FastifyInstance, from: string, overrides: Record<string, string | null> = {}) {
  return app.inject({ method: 'POST', url: '/bitrix24/bizproc', headers: FORM, payload: robotCallBody(overrides), remoteAddress: from });
}

describe('per-address limit (every route, unknown paths too)', () => {
  it('answers 429 with Retry-After once an address used its window, and leaves other addresses alone', async () => {
    const { app } = await appWith({ API_RATE_LIMIT_PER_ADDRESS: '5' });
    for (let request = 0; request < 5; request += 1) {
      expect((await app.inject({ method: 'GET', url: '/healthz', remoteAddress: '203.0.113.7' })).statusCode).toBe(200);
    }
    const refused = await app.inject({ method: 'GET', url: '/healthz', remoteAddress: '203.0.113.7' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({ error: 'RATE_LIMITED', message: expect.stringMatching(/^too many requests from this address; retry in \d+ s$/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Guessing paths counts as much as calling routes.
    expect((await app.inject({ method: 'GET', url: '/no-such-path', remoteAddress: '203.0.113.7' })).statusCode).toBe(429);
    expect((await robotCall(app, '203.0.113.7')).statusCode).toBe(429);
    expect((await app.inject({ method: 'GET', url: '/healthz', remoteAddress: '203.0.113.8' })).statusCode).toBe(200);
  });

  it('counts an IPv6 sender by its /64, so rotating addresses inside it does not help', async () => {
    const { app } = await appWith({ API_RATE_LIMIT_PER_ADDRESS: '2' });
    for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::2']) {
      expect((await app.inject({ method: 'GET', url: '/healthz', remoteAddress: address })).statusCode).toBe(200);
    }
    expect((await app.inject({ method: 'GET', url: '/healthz', remoteAddress: '2001:db8:1:2::3' })).statusCode).toBe(429);
    expect((await app.inject({ method: 'GET', url: '/healthz', remoteAddress: '2001:db8:1:3::1' })).statusCode).toBe(200);
  });

  it('believes X-Forwarded-For only from the proxy hops API_TRUST_PROXY names', async () => {
    const forwarded = (app: FastifyInstance, sender: string) =>
      app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': sender } });
    const trusting = await appWith({ API_RATE_LIMIT_PER_ADDRESS: '1', API_TRUST_PROXY: '1' });
    expect((await forwarded(trusting.app, '198.51.100.1')).statusCode).toBe(200);
    expect((await forwarded(trusting.app, '198.51.100.2')).statusCode).toBe(200);
    expect((await forwarded(trusting.app, '198.51.100.1')).statusCode).toBe(429);
    await trusting.app.close();

    // Without a trusted proxy the header is the sender's own text: it changes nothing.
    const plain = await appWith({ API_RATE_LIMIT_PER_ADDRESS: '1' });
    expect((await forwarded(plain.app, '198.51.100.1')).statusCode).toBe(200);
    expect((await forwarded(plain.app, '198.51.100.2')).statusCode).toBe(429);
  });
});

describe('per-portal limit (routes that name a member_id)', () => {
  it('answers 429 to a portal over its window whatever address its calls come from, and starts nothing for them', async () => {
    const { app, gateway } = await appWith({ API_RATE_LIMIT_PER_PORTAL: '3' });
    for (let call = 0; call < 3; call += 1) {
      expect((await robotCall(app, `192.0.2.${call + 1}`, { event_token: `e${call}|A|sig` })).statusCode).toBe(200);
    }
    const refused = await robotCall(app, '192.0.2.99', { event_token: 'e99|A|sig' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: 'RATE_LIMITED', message: expect.stringContaining('for this portal') });
    expect(gateway.robotStarts).toHaveLength(3);
    // Another portal is counted apart (it is not installed here, so it is refused by the sender check instead).
    expect((await robotCall(app, '192.0.2.99', { 'auth[member_id]': 'another-portal' })).statusCode).toBe(401);
  });

  it('cannot be used up by someone who names the portal without its application token', async () => {
    const { app, gateway } = await appWith({ API_RATE_LIMIT_PER_PORTAL: '3' });
    for (let forged = 0; forged < 10; forged += 1) {
      const answer = await robotCall(app, `198.51.100.${forged + 1}`, { 'auth[application_token]': `guess-${forged % 2}` });
      // The first three guesses per guessed token reach the sender check; later ones hit their own bucket.
      expect([401, 429]).toContain(answer.statusCode);
    }
    for (let call = 0; call < 3; call += 1) {
      expect((await robotCall(app, '192.0.2.1', { event_token: `real${call}|A|sig` })).statusCode).toBe(200);
    }
    expect(gateway.robotStarts).toHaveLength(3);
  });

  it('limits the external write API per portal and key as well', async () => {
    const key = 'erp-system-key-0123456789';
    const starts: string[] = [];
    const app = await buildApp({
      config: testConfig({ API_RATE_LIMIT_PER_PORTAL: '2', EXTERNAL_API_KEYS: `${key}:${MEMBER_ID}` }),
      logger: { level: 'silent' },
      portals: new InMemoryPortals(),
      workflows: new RecordingGateway(),
      installVerifier: new FakeVerifier(),
      temporalHealth: async () => true,
      externalWrites: {
        start: async (input) => {
          starts.push(input.idempotencyKey);
          return { workflowId: `write/${input.memberId}/${input.idempotencyKey}`, runId: 'r' };
        },
        status: async () => null,
      },
    });
    try {
      const write = (index: number) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/items',
          headers: { 'x-api-key': key },
          payload: { idempotencyKey: `k-${index}`, memberId: MEMBER_ID, entityTypeId: 2, fields: { title: 'x' } },
          remoteAddress: `192.0.2.${index + 1}`,
        });
      expect([(await write(0)).statusCode, (await write(1)).statusCode, (await write(2)).statusCode]).toEqual([202, 202, 429]);
      expect(starts).toEqual(['k-0', 'k-1']);
    } finally {
      await app.close();
    }
  });

  it('lets a storm of 500 robot calls from one portal and one address through with the default limits', async () => {
    const { app, gateway } = await appWith({});
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, call) => robotCall(app, '192.0.2.1', { event_token: `storm${call}|A|sig` }).then((reply) => reply.statusCode)),
    );
    expect(answers.filter((status) => status !== 200)).toEqual([]);
    expect(gateway.robotStarts).toHaveLength(500);
  });
});

describe('the portal bucket of a request', () => {
  const key = derivePageTokenKey(Buffer.alloc(32, 7).toString('base64'));
  const bucketOf = portalBucketOf(key, () => 1_000);
  const request = (body: unknown, headers: Record<string, string> = {}) => ({ body, headers }) as never;

  it('is the portal named together with the credential presented', () => {
    const right = bucketOf(request({ auth: { member_id: MEMBER_ID, application_token: SECRETS.applicationToken } }));
    expect(bucketOf(request({ member_id: MEMBER_ID, APPLICATION_TOKEN: SECRETS.applicationToken }))).toBe(right);
    expect(bucketOf(request({ auth: { member_id: MEMBER_ID, application_token: 'guess' } }))).not.toBe(right);
    expect(bucketOf(request({ auth: { member_id: MEMBER_ID } }))).not.toBe(right);
    expect(right).not.toContain(SECRETS.applicationToken);
    const external = bucketOf(request({ memberId: MEMBER_ID }, { 'x-api-key': 'k'.repeat(20) }));
    expect(external).not.toBe(bucketOf(request({ memberId: MEMBER_ID }, { 'x-api-key': 'j'.repeat(20) })));
  });

  it('takes the portal of a runs-tab page token only when the token opens', () => {
    const token = issuePageToken(key, { memberId: MEMBER_ID, userId: 1, entityTypeId: 2, itemId: 5, expiresAt: 2_000, userAuth: 'user-token' });
    expect(bucketOf(request({ token }))).toBe(`page:${MEMBER_ID}`);
    expect(bucketOf(request({ token: `${token.slice(0, -2)}xx` }))).toBeUndefined();
    expect(bucketOf(request({ token: 'v2.a.b' }))).toBeUndefined();
  });

  it('is none for a request that names no portal', () => {
    for (const body of [undefined, null, 'text', [1, 2], {}, { auth: 'x' }, { member_id: 7 }]) expect(bucketOf(request(body))).toBeUndefined();
  });
});

describe('slow senders', () => {
  /** Sends `chunks` one per `everyMs` over a raw socket; resolves with what the server answered and whether it closed. */
  async function trickle(url: URL, chunks: string[], everyMs: number): Promise<{ answer: string; closedAfterMs: number }> {
    const started = Date.now();
    const socket = connect(Number(url.port), url.hostname);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const timer = setInterval(() => {
      const chunk = chunks.shift();
      if (chunk !== undefined && !socket.destroyed) socket.write(chunk);
    }, everyMs);
    await closed;
    clearInterval(timer);
    return { answer, closedAfterMs: Date.now() - started };
  }

  it('closes a connection whose headers do not arrive within API_HEADERS_TIMEOUT_MS (408)', async () => {
    const { app } = await appWith({ API_HEADERS_TIMEOUT_MS: '1000', API_REQUEST_TIMEOUT_MS: '2000' });
    const url = new URL(await app.listen({ host: '127.0.0.1', port: 0 }));
    const headers = Array.from({ length: 200 }, (_, index) => `x-slow-${index}: ${index}\r\n`);
    const { answer, closedAfterMs } = await trickle(url, ['POST /bitrix24/bizproc HTTP/1.1\r\nhost: x\r\n', ...headers], 200);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(5_000);
  });

  it('closes a connection whose body does not arrive within API_REQUEST_TIMEOUT_MS (408)', async () => {
    const { app } = await appWith({ API_HEADERS_TIMEOUT_MS: '1000', API_REQUEST_TIMEOUT_MS: '2000' });
    const url = new URL(await app.listen({ host: '127.0.0.1', port: 0 }));
    const head = 'POST /bitrix24/bizproc HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 100000\r\n\r\n';
    const { answer, closedAfterMs } = await trickle(url, [head, ...Array.from({ length: 200 }, () => 'a=1&')], 200);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(6_000);
  });
});
