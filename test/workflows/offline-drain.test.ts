import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOfflineDrainActivities } from '../../activities/crm/offline-drain.js';
import { createSettingsActivities } from '../../activities/settings.js';
import { wakeOfflineDrain } from '../../api/offline-drain.js';
import { AUTH_CONNECTOR } from '../../contracts/bitrix24-app.js';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import {
  OFFLINE_DRAIN_WAKE_REASON,
  offlineDrainStatusQuery,
  offlineDrainWakeSignal,
  offlineDrainWorkflowId,
  type OfflineDrainInput,
  type OfflineDrainStatus,
} from '../../contracts/offline-drain.js';
import { entityWorkflowId } from '../../contracts/workflow-ids.js';
import type { RecordedCall } from '../../emulators/bitrix24/index.js';
import { withApplicationFailures } from '../../integrations/bitrix24/caller.js';
import { createBitrix24Client } from '../../integrations/bitrix24/client.js';
import { crmEventRoutes } from '../../lib/crm-events/event-routes.js';
import type { EntityRunResult } from '../../workflows/entity/entity-loop.js';
import { createMemoryPortalStore } from '../support/memory-portal-store.js';
import { keepForReplay, replayDataConverter } from '../support/replay-histories.js';
import '../support/quiet-temporal-runtime.js';
import { createTimeSkippingEnv } from '../support/temporal-binaries.js';
import { uniqueTaskQueue } from '../support/workflow-bundle.js';
import { startEmulatorPortal, type EmulatorPortal } from './support/emulator-portal.js';
import { entitySettings, entityTestBundle, gate, passRecorder, type PassRecorder } from './support/entity-harness.js';
import { waitUntil } from './support/wait-until.js';

const INTERVAL_MS = 10 * 60_000;
// Runs of this file are kept as replay fixtures (npm run test:capture-histories): the replay key encrypts them.
const dataConverter = replayDataConverter();
let env: TestWorkflowEnvironment;
let portal: EmulatorPortal;
let testNumber = 0;

beforeAll(async () => {
  // The test server first: it must answer within 5 s of starting, which the bundler's CPU load can prevent.
  env = await createTimeSkippingEnv({ dataConverter });
  [portal] = await Promise.all([startEmulatorPortal(), entityTestBundle()]);
  // Bound as provisioning binds it: offline, with our connector.
  await portal.bitrix24.call(portal.emulator.memberId, 'event.bind', { event: 'ONCRMDEALUPDATE', event_type: 'offline', auth_connector: AUTH_CONNECTOR });
}, 180_000);

afterAll(async () => {
  await portal?.close();
  await env?.teardown();
});

// No reset between tests: deal ids (and so entity workflow ids) must not repeat within one Temporal environment.
beforeEach(() => {
  portal.emulator.state.offlineEvents = [];
  portal.emulator.calls.length = 0;
  portal.emulator.setFeature('rest_offline_extended', true);
});

type Activities = Parameters<typeof Worker.create>[0]['activities'];

async function drainWorker(taskQueue: string, recorder: PassRecorder, overrides: Record<string, unknown> = {}, bitrix24 = portal.bitrix24): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    dataConverter,
    workflowBundle: await entityTestBundle(),
    activities: {
      ...createSettingsActivities(entitySettings({ entityCoalesceWindowMs: 300, entityIdleMs: 1_000, offlineDrainIntervalMs: INTERVAL_MS })),
      ...recorder.activities,
      ...createOfflineDrainActivities({ bitrix24, temporal: env.client, eventRoutes: async () => crmEventRoutes({}) }),
      ...overrides,
    } as Activities,
  });
}

/** Deals changed by a user while nobody listened: one queued row each. */
function dealsChangedOffline(count: number): number[] {
  return Array.from({ length: count }, () => {
    const { id } = portal.emulator.state.addItem(ENTITY_TYPE.deal, { title: 'Deal' });
    portal.emulator.userUpdatesItem(ENTITY_TYPE.deal, id, { title: 'changed while the API was down' });
    return id;
  });
}

/** A drain under an id of its own (the portal's id is for the test that starts it as the API does). */
async function startDrain(taskQueue: string, input: Partial<OfflineDrainInput> = {}): Promise<WorkflowHandle> {
  testNumber += 1;
  const workflowId = `drain-test-${process.pid}-${testNumber}`;
  await env.client.workflow.start('offlineDrainWorkflow', { taskQueue, workflowId, args: [{ memberId: portal.emulator.memberId, ...input }] });
  // Without a run id the handle follows the drain across continue-as-new.
  return env.client.workflow.getHandle(workflowId);
}

const status = (handle: WorkflowHandle): Promise<OfflineDrainStatus> => handle.query(offlineDrainStatusQuery);

/**
 * Cancels the drain and waits until its worker has processed that: a workflow task left for a stopped worker would
 * hold the test server's clock for every later test.
 */
async function stopDrain(handle: WorkflowHandle): Promise<void> {
  await handle.cancel();
  await handle.result().catch(() => undefined);
}

async function statusWhen(handle: WorkflowHandle, accept: (now: OfflineDrainStatus) => boolean, what: string): Promise<OfflineDrainStatus> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const now = await status(handle);
    if (accept(now)) return now;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last status ${JSON.stringify(now)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const calls = (method: string): RecordedCall[] => portal.emulator.callsTo(method);
/** The drain's own question: does the plan allow clear=0 (the writers' and drain's rest_auth_connector is another). */
const extendedChecks = () => calls('feature.get').filter((call) => call.params.CODE === 'rest_offline_extended');
const reads = () => calls('event.offline.get').map((call) => ({ clear: call.params.clear, process_id: call.params.process_id }));

/** Passes of the deal's entity workflow, once the drain has started it and it has gone idle and completed. */
async function entityPasses(dealId: number): Promise<number> {
  const handle = env.client.workflow.getHandle(entityWorkflowId(portal.emulator.memberId, ENTITY_TYPE.deal, dealId));
  const deadline = Date.now() + 15_000;
  while (!(await handle.describe().then(() => true, () => false))) {
    if (Date.now() > deadline) throw new Error(`no entity workflow for deal ${dealId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return ((await handle.result()) as EntityRunResult).passes;
}

describe('offline drain workflow (time-skipping server, emulator)', () => {
  it('with the extended feature: reserves, hands each record to its entity once, confirms by message id; feature.get is asked once, also across continue-as-new', async () => {
    const taskQueue = uniqueTaskQueue('drain-extended');
    const recorder = passRecorder();
    const worker = await drainWorker(taskQueue, recorder);
    const deals = dealsChangedOffline(3);

    await worker.runUntil(async () => {
      const handle = await startDrain(taskQueue, { batchSize: 2, continueAsNewAfterRounds: 1 });
      for (const id of deals) expect(await entityPasses(id)).toBe(1);
      await waitUntil(() => portal.emulator.state.offlineEvents.length === 0, 'an empty queue');

      // A second wave, woken by a signal, runs in a continued run that remembers the answer of feature.get.
      const later = dealsChangedOffline(1);
      await handle.signal(offlineDrainWakeSignal, { reason: OFFLINE_DRAIN_WAKE_REASON.offlineEvent });
      for (const id of later) expect(await entityPasses(id)).toBe(1);
      await waitUntil(() => portal.emulator.state.offlineEvents.length === 0, 'an empty queue again');
      const now = await status(handle);
      expect(now).toMatchObject({ extended: true, reservedProcessId: null, lastFailure: null });
      expect(now.totals).toMatchObject({ fetched: 4, routed: 4, ignored: 0, failed: 0 });
      const history = await handle.fetchHistory();
      expect(history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
      await stopDrain(handle);
      await keepForReplay(handle, expect.getState().currentTestName);
    });

    expect(recorder.passes.map((pass) => pass.changes.map((change) => [change.kind, change.source]))).toEqual(
      Array.from({ length: 4 }, () => [['update', 'offline']]),
    );
    expect(extendedChecks()).toHaveLength(1);
    // Every read reserves new records (no made-up process id) with our connector.
    expect(calls('event.offline.get').every((call) => call.params.clear === 0 && call.params.process_id === undefined && call.params.auth_connector === AUTH_CONNECTOR)).toBe(true);
    const clears = calls('event.offline.clear');
    expect(clears.map((call) => (call.params.message_id as string[]).length)).toEqual([2, 1, 1]);
    expect(clears.every((call) => typeof call.params.process_id === 'string' && call.params.auth_connector === AUTH_CONNECTOR)).toBe(true);
  }, 120_000);

  it('without the feature: reads with clear=1 and hands each batch to Temporal before it reads the next; nothing to confirm', async () => {
    portal.emulator.setFeature('rest_offline_extended', false);
    const taskQueue = uniqueTaskQueue('drain-basic');
    const recorder = passRecorder();
    const worker = await drainWorker(taskQueue, recorder);
    const deals = dealsChangedOffline(3);

    const history = await worker.runUntil(async () => {
      const handle = await startDrain(taskQueue, { batchSize: 2 });
      for (const id of deals) expect(await entityPasses(id)).toBe(1);
      await waitUntil(() => calls('event.offline.get').length >= 3, 'the read that finds the queue empty');
      const events = (await handle.fetchHistory()).events ?? [];
      await stopDrain(handle);
      return events;
    });

    expect(reads().slice(0, 3)).toEqual([
      { clear: 1, process_id: undefined },
      { clear: 1, process_id: undefined },
      { clear: 1, process_id: undefined },
    ]);
    expect(calls('event.offline.clear')).toEqual([]);
    expect(calls('event.offline.error')).toEqual([]);
    const activities = history.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(activities.slice(0, 5)).toEqual(['checkOfflineFeature', 'readOfflineBatch', 'deliverOfflineRecords', 'readOfflineBatch', 'deliverOfflineRecords']);
  }, 120_000);

  it('a batch left reserved by a failed round is re-read with its own process id before anything new is reserved', async () => {
    const taskQueue = uniqueTaskQueue('drain-reserved');
    const recorder = passRecorder();
    const worker = await drainWorker(taskQueue, recorder);
    const [first, second] = dealsChangedOffline(2);
    // The confirmation fails for good (a 4xx no retry helps): the round ends with its batch still reserved.
    portal.emulator.injectFailure({ method: 'event.offline.clear', times: 1, status: 400, error: 'ERROR_ARGUMENT', description: 'refused once' });

    await worker.runUntil(async () => {
      const handle = await startDrain(taskQueue);
      await waitUntil(() => calls('event.offline.clear').length === 1, 'the refused confirmation');
      const failed = await statusWhen(handle, (now) => now.lastFailure !== null, 'the failed round');
      const reserved = reads()[0];
      expect(failed.lastFailure?.type).toBe('Bitrix24.ERROR_ARGUMENT');
      expect(failed.reservedProcessId).toMatch(/^[0-9a-f]{32}$/);
      expect(portal.emulator.state.offlineEvents.every((row) => row.processId === failed.reservedProcessId)).toBe(true);
      expect(reserved).toEqual({ clear: 0, process_id: undefined });

      // A new change meanwhile; the next round (after the interval) first finishes the reserved batch.
      const [third] = dealsChangedOffline(1);
      await env.sleep(INTERVAL_MS + 1_000);
      await waitUntil(() => portal.emulator.state.offlineEvents.length === 0, 'the reserved batch and the new change confirmed');
      expect(reads().slice(1, 3)).toEqual([
        { clear: 0, process_id: failed.reservedProcessId },
        { clear: 0, process_id: undefined },
      ]);
      expect(await status(handle)).toMatchObject({ reservedProcessId: null, lastFailure: null, totals: { failedRounds: 1 } });
      for (const id of [first, second, third]) expect(await entityPasses(Number(id))).toBeGreaterThanOrEqual(1);
      await stopDrain(handle);
    });
  }, 120_000);

  it('ACCESS_DENIED (a non-administrator token) fails the round once, and wakes do not bring the next call before the interval', async () => {
    const { emulator } = portal;
    const manager = emulator.placementCall('http://127.0.0.1:9/widget', { placement: 'CRM_DEAL_DETAIL_TAB', userId: 3 }).body;
    const store = createMemoryPortalStore([
      {
        memberId: emulator.memberId,
        domain: emulator.domain,
        clientEndpoint: emulator.clientEndpoint,
        serverEndpoint: emulator.serverEndpoint,
        applicationToken: emulator.applicationToken,
        accessToken: String(manager.AUTH_ID),
        refreshToken: String(manager.REFRESH_ID),
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
        scope: 'crm',
        version: 1,
      },
    ]);
    const client = createBitrix24Client({ store, logger: pino({ level: 'silent' }), httpTimeoutMs: 5_000 });
    const taskQueue = uniqueTaskQueue('drain-denied');
    const worker = await drainWorker(taskQueue, passRecorder(), {}, withApplicationFailures(client));
    dealsChangedOffline(1);
    try {
      await worker.runUntil(async () => {
        const handle = await startDrain(taskQueue);
        await waitUntil(() => calls('event.offline.get').length === 1, 'the refused read');
        const now = await statusWhen(handle, (current) => current.lastFailure !== null, 'the failed round');
        expect(now.lastFailure).toMatchObject({ type: 'OfflineDrain.NotAdministrator' });
        expect(now.lastFailure?.message).toMatch(/event\.offline\.get refused \(ACCESS_DENIED\): the stored token is not a portal administrator's/);

        for (let wake = 0; wake < 5; wake += 1) await handle.signal(offlineDrainWakeSignal, { reason: OFFLINE_DRAIN_WAKE_REASON.offlineEvent });
        await env.sleep(INTERVAL_MS / 2);
        expect(calls('event.offline.get')).toHaveLength(1);
        await env.sleep(INTERVAL_MS / 2 + 1_000);
        await waitUntil(() => calls('event.offline.get').length === 2, 'the next read, after the interval');
        expect((await status(handle)).totals.failedRounds).toBeGreaterThanOrEqual(1);
        await stopDrain(handle);
      });
    } finally {
      await client.close();
    }
    expect(calls('event.offline.get').every((call) => call.status === 403 && call.error === 'ACCESS_DENIED')).toBe(true);
  }, 120_000);

  it('wakes coalesce into one more round; an install wake asks feature.get again; cancellation ends the drain as cancelled, not failed', async () => {
    const taskQueue = uniqueTaskQueue('drain-wakes');
    const held = gate();
    const recorder = passRecorder();
    const real = createOfflineDrainActivities({ bitrix24: portal.bitrix24, temporal: env.client, eventRoutes: async () => crmEventRoutes({}) });
    let readsStarted = 0;
    const worker = await drainWorker(taskQueue, recorder, {
      async readOfflineBatch(input: Parameters<typeof real.readOfflineBatch>[0]) {
        readsStarted += 1;
        if (readsStarted === 1) await held.wait;
        return real.readOfflineBatch(input);
      },
    });
    const memberId = portal.emulator.memberId;
    const handle = env.client.workflow.getHandle(offlineDrainWorkflowId(memberId));

    await worker.runUntil(async () => {
      // As the API starts it: signalWithStart under the portal's drain id.
      await wakeOfflineDrain(env.client, { memberId, taskQueue, reason: OFFLINE_DRAIN_WAKE_REASON.install });
      await waitUntil(() => readsStarted === 1, 'the first round holding its read');
      for (let wake = 0; wake < 5; wake += 1) await wakeOfflineDrain(env.client, { memberId, taskQueue, reason: OFFLINE_DRAIN_WAKE_REASON.offlineEvent });
      held.open();
      await waitUntil(() => readsStarted === 2, 'one more round for the five wakes');
      await statusWhen(handle, (now) => now.totals.rounds >= 2, 'the second round');
      expect(extendedChecks()).toHaveLength(1);

      await wakeOfflineDrain(env.client, { memberId, taskQueue, reason: OFFLINE_DRAIN_WAKE_REASON.install });
      await waitUntil(() => extendedChecks().length === 2, 'feature.get asked again after an install');
      await waitUntil(() => readsStarted === 3, 'the round of the install wake');
      await handle.cancel();
      const outcome = await handle.result().catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(WorkflowFailedError);
      expect((outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
    });
    expect(readsStarted).toBe(3);
  }, 120_000);
});
