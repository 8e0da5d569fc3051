import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../api/app.js';
import { toJson } from '../../../api/codec/payloads-json.js';
import { AesGcmPayloadCodec } from '../../../lib/payload-codec.js';
import { FakeVerifier, InMemoryPortals, RecordingGateway, testConfig } from '../api/fakes.js';

const STATIC_TOKEN = 'cli-codec-token-0123456789abcdef0123456789';
const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'temporal-codec';
const UI_ORIGIN = 'https://temporal-ui.example.com';

let jwksServer: Server;
let jwksUrl: string;
let signingKey: CryptoKey;
let strangerKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwksServer = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolveListen) => jwksServer.listen(0, '127.0.0.1', resolveListen));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
});

afterAll(async () => {
  await new Promise((resolveClose) => jwksServer.close(resolveClose));
});

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const production = () => ({
  CODEC_STATIC_TOKEN: STATIC_TOKEN,
  CODEC_OIDC_ISSUER: ISSUER,
  CODEC_OIDC_AUDIENCE: AUDIENCE,
  CODEC_OIDC_JWKS_URL: jwksUrl,
  CODEC_CORS_ORIGINS: UI_ORIGIN,
});

async function build(env: Record<string, string>) {
  const config = testConfig(env);
  app = await buildApp({
    config,
    logger: { level: 'silent' },
    portals: new InMemoryPortals(),
    workflows: new RecordingGateway(),
    installVerifier: new FakeVerifier(),
    temporalHealth: async () => true,
  });
  return { app, codec: new AesGcmPayloadCodec(config.PAYLOAD_CODEC_KEY) };
}

async function accessToken(overrides: { audience?: string; issuer?: string; expiresIn?: string; key?: CryptoKey } = {}) {
  return new SignJWT({ scope: 'openid' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('operator@example.com')
    .setIssuer(overrides.issuer ?? ISSUER)
    .setAudience(overrides.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(overrides.expiresIn ?? '5m')
    .sign(overrides.key ?? signingKey);
}

async function encryptedBody(codec: AesGcmPayloadCodec, value: unknown) {
  return toJson(await codec.encode([defaultPayloadConverter.toPayload(value)]));
}

function decodedValues(body: string): unknown[] {
  const { payloads } = JSON.parse(body) as { payloads: { metadata: Record<string, string>; data: string }[] };
  return payloads.map((payload) => {
    const converted: Payload = {
      metadata: Object.fromEntries(Object.entries(payload.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
      data: Buffer.from(payload.data, 'base64'),
    };
    return defaultPayloadConverter.fromPayload(converted);
  });
}

const decode = (target: FastifyInstance, payload: object, headers: Record<string, string> = {}) =>
  target.inject({ method: 'POST', url: '/codec/decode', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, payload });

describe('codec server (POST /codec/decode, /codec/encode)', () => {
  it('decodes for a caller with a valid OIDC access token of the configured issuer', async () => {
    const { app: target, codec } = await build(production());
    const response = await decode(target, await encryptedBody(codec, { article: 'SKU-001', price: 1250.5 }), {
      authorization: `Bearer ${await accessToken()}`,
      origin: UI_ORIGIN,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(decodedValues(response.body)).toEqual([{ article: 'SKU-001', price: 1250.5 }]);
  });

  it('decodes for the CLI with the static bearer token', async () => {
    const { app: target, codec } = await build(production());
    const response = await decode(target, await encryptedBody(codec, 'SKU-001'), { authorization: `Bearer ${STATIC_TOKEN}` });
    expect(response.statusCode).toBe(200);
    expect(decodedValues(response.body)).toEqual(['SKU-001']);
  });

  it.each([
    ['no Authorization header', async () => undefined],
    ['a wrong static token', async () => `Bearer ${STATIC_TOKEN.replace(/.$/, 'X')}`],
    ['a token for another audience', async () => `Bearer ${await accessToken({ audience: 'someone-else' })}`],
    ['a token of another issuer', async () => `Bearer ${await accessToken({ issuer: 'https://evil.example.com/' })}`],
    ['an expired token', async () => `Bearer ${await accessToken({ expiresIn: '-5m' })}`],
    ['a token signed by a key the issuer does not publish', async () => `Bearer ${await accessToken({ key: strangerKey })}`],
    ['a Basic header', async () => `Basic ${Buffer.from(`user:${STATIC_TOKEN}`).toString('base64')}`],
  ])('answers 401 and decodes nothing with %s', async (_case, authorization) => {
    const { app: target, codec } = await build(production());
    const header = await authorization();
    const response = await decode(target, await encryptedBody(codec, { article: 'SKU-001' }), header === undefined ? {} : { authorization: header });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: 'UNAUTHORIZED' });
    expect(response.body).not.toContain('SKU-001');
    expect(response.body).not.toContain('payloads');
  });

  it('refuses every call when required auth has no verifier configured', async () => {
    const { app: target, codec } = await build({});
    const response = await decode(target, await encryptedBody(codec, 'x'), { authorization: `Bearer ${STATIC_TOKEN}` });
    expect(response.statusCode).toBe(401);
  });

  it('refuses to encode without a valid token, and encodes what the codec then decodes with one', async () => {
    const { app: target, codec } = await build(production());
    const body = toJson([defaultPayloadConverter.toPayload({ approve: true })]);
    const refused = await target.inject({ method: 'POST', url: '/codec/encode', headers: { 'content-type': 'application/json' }, payload: body });
    expect(refused.statusCode).toBe(401);
    const encoded = await target.inject({
      method: 'POST',
      url: '/codec/encode',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${STATIC_TOKEN}` },
      payload: body,
    });
    expect(encoded.statusCode).toBe(200);
    expect(encoded.body).not.toContain(Buffer.from('{"approve":true}').toString('base64'));
    const roundTrip = await codec.decode(
      (JSON.parse(encoded.body) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads.map((payload) => ({
        metadata: Object.fromEntries(Object.entries(payload.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
        data: Buffer.from(payload.data, 'base64'),
      })),
    );
    expect(defaultPayloadConverter.fromPayload(roundTrip[0]!)).toEqual({ approve: true });
  });

  it('answers the Web UI preflight for an allowed origin with the headers the UI sends', async () => {
    const { app: target } = await build(production());
    const response = await target.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(String(response.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/)).toEqual(['content-type', 'x-namespace', 'authorization']);
    expect(response.headers['access-control-allow-methods']).toBe('POST');
  });

  it('gives no CORS grant to any other origin', async () => {
    const { app: target, codec } = await build(production());
    const preflight = await target.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const call = await decode(target, await encryptedBody(codec, 'x'), { origin: 'https://evil.example.com', authorization: `Bearer ${STATIC_TOKEN}` });
    expect(call.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("defaults the allowed origin to TEMPORAL_WEB_UI_URL's", async () => {
    const { app: target } = await build({ ...production(), CODEC_CORS_ORIGINS: '', TEMPORAL_WEB_UI_URL: 'https://ui.example.com:8443/temporal' });
    const preflight = await target.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: { origin: 'https://ui.example.com:8443', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBe('https://ui.example.com:8443');
  });

  it('serves only its own namespace and names the problem of a malformed body', async () => {
    const { app: target, codec } = await build(production());
    const auth = { authorization: `Bearer ${STATIC_TOKEN}` };
    const otherNamespace = await decode(target, await encryptedBody(codec, 'x'), { ...auth, 'x-namespace': 'payments' });
    expect(otherNamespace.statusCode).toBe(400);
    expect(otherNamespace.json()).toMatchObject({ error: 'NAMESPACE_NOT_SERVED' });
    const malformed = await decode(target, { payloads: [{ data: 'not base64 !!' }] }, auth);
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: 'VALIDATION_FAILED', issues: [{ path: 'payloads.0.data' }] });
    const foreign = await decode(target, toJson(await new AesGcmPayloadCodec(Buffer.alloc(32, 9).toString('base64')).encode([defaultPayloadConverter.toPayload('x')])), auth);
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json()).toMatchObject({ error: 'PAYLOAD_NOT_DECODABLE' });
  });

  it('passes plaintext payloads (the SDK markers) through untouched', async () => {
    const { app: target } = await build(production());
    const response = await decode(target, toJson([defaultPayloadConverter.toPayload({ patch: 'v2' })]), { authorization: `Bearer ${STATIC_TOKEN}` });
    expect(decodedValues(response.body)).toEqual([{ patch: 'v2' }]);
  });

  it('runs without auth only on loopback (npm start), which config refuses elsewhere', async () => {
    const { app: target, codec } = await build({ CODEC_AUTH: 'off' });
    const response = await decode(target, await encryptedBody(codec, 'SKU-001'));
    expect(decodedValues(response.body)).toEqual(['SKU-001']);
    expect(() => testConfig({ CODEC_AUTH: 'off', HOST: '0.0.0.0' })).toThrow(/CODEC_AUTH: off is accepted only while HOST is a loopback address/);
    expect(() => testConfig({ CODEC_OIDC_ISSUER: ISSUER })).toThrow(/CODEC_OIDC_ISSUER, CODEC_OIDC_AUDIENCE and CODEC_OIDC_JWKS_URL go together/);
  });
});
