import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../api/app.js';
import {
  IdempotencyConflictError,
  requestFingerprint,
  type ExternalWriteGateway,
  type ExternalWriteStart,
  type ExternalWriteStatus,
} from '../../../api/external-writes.js';
import { TemporalUnavailableError } from '../../../api/workflow-gateway.js';
import { externalWriteWorkflowId, type ExternalWriteInput } from '../../../contracts/external-write.js';
import { FakeVerifier, InMemoryPortals, MEMBER_ID, RecordingGateway, testConfig } from './fakes.js';

const API_KEY = 'external-key-0123456789abcdef';
/** A second system's key, scoped to another portal only. */
const OTHER_KEY = 'other-system-key-fedcba9876543210';
const OTHER_PORTAL = 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0';
const KEYS = `${API_KEY}:webhook,${MEMBER_ID};${OTHER_KEY}:${OTHER_PORTAL}`;

class FakeWrites implements ExternalWriteGateway {
  readonly starts: ExternalWriteInput[] = [];
  answer: (input: ExternalWriteInput) => Promise<ExternalWriteStart> = async (input) => ({
    workflowId: externalWriteWorkflowId(input.memberId, input.idempotencyKey),
    runId: 'run-1',
  });
  runs = new Map<string, ExternalWriteStatus>();

  async start(input: ExternalWriteInput): Promise<ExternalWriteStart> {
    this.starts.push(input);
    return this.answer(input);
  }

  async status(workflowId: string): Promise<ExternalWriteStatus | null> {
    return this.runs.get(workflowId) ?? null;
  }
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(options: { keys?: string; writes?: FakeWrites } = {}) {
  const writes = options.writes ?? new FakeWrites();
  app = await buildApp({
    config: testConfig(options.keys === undefined ? {} : { EXTERNAL_API_KEYS: options.keys }),
    logger: { level: 'silent' },
    portals: new InMemoryPortals(),
    workflows: new RecordingGateway(),
    installVerifier: new FakeVerifier(),
    temporalHealth: async () => true,
    externalWrites: writes,
  });
  return { app, writes };
}

const body = { idempotencyKey: 'erp-order-77', entityTypeId: 2, id: 759, fields: { title: 'Order 77', opportunity: 1500 } };
/** `key: null` sends no x-api-key header. */
const post = (target: FastifyInstance, payload: unknown, key: string | null = API_KEY) =>
  target.inject({ method: 'POST', url: '/api/v1/items', headers: key === null ? {} : { 'x-api-key': key }, payload: payload as object });

describe('POST /api/v1/items', () => {
  it('is 404 while EXTERNAL_API_KEYS is unset', async () => {
    const { app: target, writes } = await build();
    expect((await post(target, body)).statusCode).toBe(404);
    expect(writes.starts).toEqual([]);
  });

  it.each([
    ['no key', null],
    ['a wrong key', 'external-key-0123456789abcdeX'],
    ['a key of another length', 'short'],
  ])('is 401 with %s, and names no key in the answer', async (_case, key) => {
    const { app: target, writes } = await build({ keys: KEYS });
    const response = await post(target, body, key);
    expect(response.statusCode).toBe(401);
    expect(response.body).not.toContain(API_KEY);
    expect(writes.starts).toEqual([]);
  });

  it('answers 202 with the run once Temporal holds it; the portal defaults to the webhook one', async () => {
    const { app: target, writes } = await build({ keys: KEYS });
    const response = await post(target, body);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ workflowId: 'write/webhook/erp-order-77', runId: 'run-1' });
    expect(writes.starts).toEqual([{ ...body, memberId: 'webhook' }]);
  });

  it('is 403 for a portal the key is not scoped to, and starts nothing', async () => {
    const { app: target, writes } = await build({ keys: KEYS });
    const foreign = await post(target, { ...body, memberId: OTHER_PORTAL });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ error: 'PORTAL_NOT_ALLOWED', message: `this API key may not be used for portal ${OTHER_PORTAL}` });
    // The other system's key is scoped to that portal only: neither the webhook portal nor ours.
    expect((await post(target, body, OTHER_KEY)).statusCode).toBe(403);
    expect((await post(target, { ...body, memberId: MEMBER_ID }, OTHER_KEY)).statusCode).toBe(403);
    expect(writes.starts).toEqual([]);

    expect((await post(target, { ...body, memberId: OTHER_PORTAL }, OTHER_KEY)).statusCode).toBe(202);
    expect((await post(target, { ...body, memberId: MEMBER_ID })).statusCode).toBe(202);
    expect(writes.starts.map((start) => start.memberId)).toEqual([OTHER_PORTAL, MEMBER_ID]);
  });

  it.each([
    ['a key with a slash', { ...body, idempotencyKey: 'a/b' }, 'idempotencyKey'],
    ['a member id with a slash', { ...body, memberId: 'a/b' }, 'memberId'],
    ['no fields', { ...body, fields: {} }, 'fields'],
    ['a string entity type', { ...body, entityTypeId: '2' }, 'entityTypeId'],
    ['an unknown property', { ...body, extra: 1 }, ''],
  ])('rejects %s with 400', async (_case, payload, path) => {
    const { app: target, writes } = await build({ keys: KEYS });
    const response = await post(target, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json<{ issues: { path: string }[] }>().issues.map((issue) => issue.path)).toContain(path);
    expect(writes.starts).toEqual([]);
  });

  it('is 409 when the key was used for another request, and 503 when Temporal does not answer', async () => {
    const writes = new FakeWrites();
    const { app: target } = await build({ keys: KEYS, writes });
    writes.answer = async () => {
      throw new IdempotencyConflictError('idempotency key erp-order-77 was used for a different request');
    };
    expect((await post(target, body)).statusCode).toBe(409);
    writes.answer = async () => {
      throw new TemporalUnavailableError('down');
    };
    expect((await post(target, body)).statusCode).toBe(503);
  });
});

describe('GET /api/v1/runs/{workflowId}', () => {
  it('reports a known run of its own portals and 404s an unknown one or another portal\'s', async () => {
    const writes = new FakeWrites();
    const ours = 'write/webhook/erp-order-77';
    const theirs = `write/${OTHER_PORTAL}/erp-order-77`;
    writes.runs.set(ours, { workflowId: ours, runId: 'run-1', status: 'RUNNING', memberId: 'webhook' });
    writes.runs.set(theirs, { workflowId: theirs, runId: 'run-2', status: 'RUNNING', memberId: OTHER_PORTAL });
    const { app: target } = await build({ keys: KEYS, writes });
    const get = (id: string, key: string | null = API_KEY) =>
      target.inject({ method: 'GET', url: `/api/v1/runs/${id}`, headers: key === null ? {} : { 'x-api-key': key } });
    const known = await get(ours);
    expect(known.statusCode).toBe(200);
    expect(known.json()).toEqual({ workflowId: ours, runId: 'run-1', status: 'RUNNING' });
    expect((await get('write/webhook/nope')).statusCode).toBe(404);
    expect((await get(theirs)).statusCode).toBe(404);
    expect((await get(theirs, OTHER_KEY)).statusCode).toBe(200);
    expect((await get(ours, null)).statusCode).toBe(401);
  });
});

describe('the idempotency fingerprint', () => {
  const input: ExternalWriteInput = { memberId: MEMBER_ID, idempotencyKey: 'k-1', entityTypeId: 2, id: 7, fields: { title: 'A', opportunity: 1500, ufCrm: { b: 1, a: [1, 2] } } };

  it('does not depend on the order of keys in the request', () => {
    const reordered: ExternalWriteInput = { fields: { ufCrm: { a: [1, 2], b: 1 }, opportunity: 1500, title: 'A' }, id: 7, entityTypeId: 2, idempotencyKey: 'k-1', memberId: MEMBER_ID };
    expect(requestFingerprint(reordered)).toBe(requestFingerprint(input));
  });

  it('differs for a different request, and ignores the idempotency key itself', () => {
    expect(requestFingerprint({ ...input, fields: { ...input.fields, title: 'B' } })).not.toBe(requestFingerprint(input));
    expect(requestFingerprint({ ...input, fields: { ...input.fields, ufCrm: { b: 1, a: [2, 1] } } })).not.toBe(requestFingerprint(input));
    expect(requestFingerprint({ ...input, idempotencyKey: 'k-2' })).toBe(requestFingerprint(input));
  });
});
