import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../api/app.js';
import {
  IdempotencyConflictError,
  type ExternalWriteGateway,
  type ExternalWriteStart,
  type ExternalWriteStatus,
} from '../../../api/external-writes.js';
import { TemporalUnavailableError } from '../../../api/workflow-gateway.js';
import type { ExternalWriteInput } from '../../../contracts/external-write.js';
import { FakeVerifier, InMemoryPortals, RecordingGateway, testConfig } from './fakes.js';

const API_KEY = 'external-key-0123456789abcdef';

class FakeWrites implements ExternalWriteGateway {
  readonly starts: ExternalWriteInput[] = [];
  answer: (input: ExternalWriteInput) => Promise<ExternalWriteStart> = async (input) => ({
    workflowId: `write/${input.idempotencyKey}`,
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

async function build(options: { key?: string; writes?: FakeWrites } = {}) {
  const writes = options.writes ?? new FakeWrites();
  app = await buildApp({
    config: testConfig(options.key === undefined ? {} : { EXTERNAL_API_KEY: options.key }),
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
  it('is 404 while EXTERNAL_API_KEY is unset', async () => {
    const { app: target, writes } = await build();
    expect((await post(target, body)).statusCode).toBe(404);
    expect(writes.starts).toEqual([]);
  });

  it.each([
    ['no key', null],
    ['a wrong key', 'external-key-0123456789abcdeX'],
    ['a key of another length', 'short'],
  ])('is 401 with %s, and names no key in the answer', async (_case, key) => {
    const { app: target, writes } = await build({ key: API_KEY });
    const response = await post(target, body, key);
    expect(response.statusCode).toBe(401);
    expect(response.body).not.toContain(API_KEY);
    expect(writes.starts).toEqual([]);
  });

  it('answers 202 with the run once Temporal holds it; the portal defaults to the webhook one', async () => {
    const { app: target, writes } = await build({ key: API_KEY });
    const response = await post(target, body);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ workflowId: 'write/erp-order-77', runId: 'run-1' });
    expect(writes.starts).toEqual([{ ...body, memberId: 'webhook' }]);
  });

  it.each([
    ['a key with a slash', { ...body, idempotencyKey: 'a/b' }, 'idempotencyKey'],
    ['no fields', { ...body, fields: {} }, 'fields'],
    ['a string entity type', { ...body, entityTypeId: '2' }, 'entityTypeId'],
    ['an unknown property', { ...body, extra: 1 }, ''],
  ])('rejects %s with 400', async (_case, payload, path) => {
    const { app: target, writes } = await build({ key: API_KEY });
    const response = await post(target, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json<{ issues: { path: string }[] }>().issues.map((issue) => issue.path)).toContain(path);
    expect(writes.starts).toEqual([]);
  });

  it('is 409 when the key was used for another request, and 503 when Temporal does not answer', async () => {
    const writes = new FakeWrites();
    const { app: target } = await build({ key: API_KEY, writes });
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
  it('reports a known run and 404s an unknown one', async () => {
    const writes = new FakeWrites();
    writes.runs.set('write/erp-order-77', { workflowId: 'write/erp-order-77', runId: 'run-1', status: 'RUNNING' });
    const { app: target } = await build({ key: API_KEY, writes });
    const known = await target.inject({ method: 'GET', url: '/api/v1/runs/write/erp-order-77', headers: { 'x-api-key': API_KEY } });
    expect(known.statusCode).toBe(200);
    expect(known.json()).toEqual({ workflowId: 'write/erp-order-77', runId: 'run-1', status: 'RUNNING' });
    const unknown = await target.inject({ method: 'GET', url: '/api/v1/runs/write/nope', headers: { 'x-api-key': API_KEY } });
    expect(unknown.statusCode).toBe(404);
    const unauthorised = await target.inject({ method: 'GET', url: '/api/v1/runs/write/erp-order-77' });
    expect(unauthorised.statusCode).toBe(401);
  });
});
