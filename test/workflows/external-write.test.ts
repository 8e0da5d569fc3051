import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { TemporalExternalWriteGateway } from '../../api/external-writes.js';
import { createCrmActivities } from '../../activities/crm/activities.js';
import '../support/quiet-temporal-runtime.js';
import { keepForReplay, replayDataConverter } from '../support/replay-histories.js';
import { createLocalEnv } from '../support/temporal-binaries.js';
import { uniqueTaskQueue } from '../support/workflow-bundle.js';
import { FakeVerifier, RecordingGateway, testConfig } from '../unit/api/fakes.js';
import { startEmulatorPortal, type EmulatorPortal } from './support/emulator-portal.js';
import { entityTestBundle } from './support/entity-harness.js';

const API_KEY = 'external-key-0123456789abcdef';
// Runs of this file are kept as replay fixtures (npm run test:capture-histories): the replay key encrypts them.
const dataConverter = replayDataConverter();
let env: TestWorkflowEnvironment;
let portal: EmulatorPortal;
let api: FastifyInstance;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  [env, portal] = await Promise.all([createLocalEnv({ dataConverter }), startEmulatorPortal(), entityTestBundle()]).then(
    ([local, emulated]) => [local, emulated] as const,
  );
  const taskQueue = uniqueTaskQueue('write');
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    dataConverter,
    workflowBundle: await entityTestBundle(),
    activities: createCrmActivities({ bitrix24: portal.bitrix24 }),
  });
  running = worker.run();
  api = await buildApp({
    config: testConfig({ EXTERNAL_API_KEYS: `${API_KEY}:${portal.emulator.memberId}` }),
    logger: { level: 'silent' },
    portals: portal.store,
    workflows: new RecordingGateway(),
    installVerifier: new FakeVerifier(),
    temporalHealth: async () => true,
    externalWrites: new TemporalExternalWriteGateway({ client: env.client, taskQueue }),
  });
}, 180_000);

afterAll(async () => {
  await api?.close();
  worker?.shutdown();
  await running;
  await portal?.close();
  await env?.teardown();
});

const headers = { 'x-api-key': API_KEY };

async function waitForResult(workflowId: string): Promise<Record<string, unknown>> {
  await env.client.workflow.getHandle(workflowId).result();
  const response = await api.inject({ method: 'GET', url: `/api/v1/runs/${workflowId}`, headers });
  expect(response.statusCode).toBe(200);
  return response.json();
}

describe('external writes through Temporal into the emulator', () => {
  it('creates an item once: a repeated key answers with the same run and creates nothing more', async () => {
    const payload = { idempotencyKey: 'crm-sync-1', memberId: portal.emulator.memberId, entityTypeId: 2, fields: { title: 'From the ERP' } };
    const first = await api.inject({ method: 'POST', url: '/api/v1/items', headers, payload });
    expect(first.statusCode).toBe(202);
    const { workflowId, runId } = first.json<{ workflowId: string; runId: string }>();
    expect(workflowId).toBe(`write/${portal.emulator.memberId}/crm-sync-1`);

    const status = await waitForResult(workflowId);
    expect(status).toMatchObject({ workflowId, runId, status: 'COMPLETED', result: { entityTypeId: 2, created: true, written: true } });
    const repeat = await api.inject({ method: 'POST', url: '/api/v1/items', headers, payload });
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json()).toEqual({ workflowId, runId });
    expect(portal.emulator.callsTo('crm.item.add')).toHaveLength(1);

    const conflicting = await api.inject({ method: 'POST', url: '/api/v1/items', headers, payload: { ...payload, fields: { title: 'Else' } } });
    expect(conflicting.statusCode).toBe(409);
    await keepForReplay(env.client.workflow.getHandle(workflowId), expect.getState().currentTestName);
  }, 60_000);

  it('an update sends only the fields that differ, and a second key with the same values writes nothing', async () => {
    const deal = portal.emulator.userAddsItem(2, { title: 'Deal', opportunity: 100 });
    const base = { memberId: portal.emulator.memberId, entityTypeId: 2, id: Number(deal.id), fields: { title: 'Deal', opportunity: 250 } };
    const updatesBefore = portal.emulator.callsTo('crm.item.update').length;

    const first = await api.inject({ method: 'POST', url: '/api/v1/items', headers, payload: { ...base, idempotencyKey: 'upd-1' } });
    expect(await waitForResult(first.json<{ workflowId: string }>().workflowId)).toMatchObject({
      result: { created: false, written: true, changedFields: ['opportunity'] },
    });
    const second = await api.inject({ method: 'POST', url: '/api/v1/items', headers, payload: { ...base, idempotencyKey: 'upd-2' } });
    expect(await waitForResult(second.json<{ workflowId: string }>().workflowId)).toMatchObject({
      result: { written: false, changedFields: [] },
    });
    expect(portal.emulator.callsTo('crm.item.update').length - updatesBefore).toBe(1);
    expect(portal.emulator.state.getItem(2, Number(deal.id))).toMatchObject({ opportunity: 250 });
  }, 60_000);

  it('reports a failed write with its reason', async () => {
    const payload = { idempotencyKey: 'missing-item', memberId: portal.emulator.memberId, entityTypeId: 2, id: 999_999, fields: { title: 'x' } };
    const started = await api.inject({ method: 'POST', url: '/api/v1/items', headers, payload });
    const { workflowId } = started.json<{ workflowId: string }>();
    await env.client.workflow.getHandle(workflowId).result().catch(() => undefined);
    const status = await api.inject({ method: 'GET', url: `/api/v1/runs/${workflowId}`, headers });
    expect(status.json()).toMatchObject({ status: 'FAILED' });
    expect(status.json<{ error: string }>().error).toMatch(/not found/i);
  }, 60_000);
});
