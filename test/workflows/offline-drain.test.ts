import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventRouteSource } from '../../lib/crm-events/event-routes.js';
import { ensureOfflineDrainSchedule } from '../../api/offline-drain-schedule.js';
import { createOfflineDrainActivities } from '../../activities/crm/offline-drain.js';
import { AUTH_CONNECTOR } from '../../contracts/bitrix24-app.js';
import { writeItemIfChanged } from '../../activities/crm/write-if-changed.js';
import { createSettingsActivities } from '../../activities/settings.js';
import type { OfflineDrainResult } from '../../contracts/offline-drain.js';
import { entityWorkflowId } from '../../contracts/workflow-ids.js';
import { createDataConverter } from '../../lib/data-converter.js';
import type { EntityRunResult } from '../../workflows/entity/entity-loop.js';
import '../support/quiet-temporal-runtime.js';
import { createLocalEnv } from '../support/temporal-binaries.js';
import { uniqueTaskQueue } from '../support/workflow-bundle.js';
import { startEmulatorPortal, type EmulatorPortal } from './support/emulator-portal.js';
import { entitySettings, entityTestBundle, passRecorder, type PassRecorder } from './support/entity-harness.js';
import { waitUntil } from './support/wait-until.js';

const CLAIM_TYPE = 147;
const OTHER_TYPE = 190;
const dataConverter = createDataConverter(randomBytes(32).toString('base64'));
let env: TestWorkflowEnvironment;
let portal: EmulatorPortal;

beforeAll(async () => {
  [env, portal] = await Promise.all([createLocalEnv({ dataConverter }), startEmulatorPortal(), entityTestBundle()]).then(
    ([local, emulated]) => [local, emulated] as const,
  );
  portal.emulator.state.addCrmType({ entityTypeId: CLAIM_TYPE, title: 'Claim' });
  portal.emulator.state.addCrmType({ entityTypeId: OTHER_TYPE, title: 'Unrouted' });
  // No online handler: the ingress is "down"; only the offline queue records the changes.
  for (const event of ['ONCRMDYNAMICITEMADD', 'ONCRMDYNAMICITEMUPDATE']) {
    await portal.bitrix24.call(portal.emulator.memberId, 'event.bind', { event, event_type: 'offline', auth_connector: AUTH_CONNECTOR });
  }
}, 180_000);

afterAll(async () => {
  await portal?.close();
  await env?.teardown();
});

/** A pass that, like a process, writes to the item: with auth_connector that write must not re-enter the queue. */
function writingRecorder(): PassRecorder {
  return passRecorder(async (context) => {
    await writeItemIfChanged(portal.bitrix24, {
      memberId: context.memberId,
      entityTypeId: context.entityTypeId,
      id: context.entityId,
      fields: { title: 'checked by the claim process' },
    });
    return {};
  });
}

async function workerFor(recorder: PassRecorder, taskQueue: string): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    dataConverter,
    workflowBundle: await entityTestBundle(),
    activities: {
      ...createSettingsActivities(entitySettings({ entityCoalesceWindowMs: 300, entityIdleMs: 1_000 })),
      ...recorder.activities,
      ...createOfflineDrainActivities({
        bitrix24: portal.bitrix24,
        temporal: env.client,
        eventRoutes: createEventRouteSource({ config: { CLAIM_ENTITY_TYPE_ID: CLAIM_TYPE }, portals: portal.store }),
      }),
    },
  });
}

describe('offline event drain (emulator + dev server)', () => {
  it('events made while the ingress was down are processed once after the drain, and the queue is confirmed', async () => {
    const recorder = writingRecorder();
    const taskQueue = uniqueTaskQueue('drain');
    const worker = await workerFor(recorder, taskQueue);
    const { emulator } = portal;

    const claim = emulator.userAddsItem(CLAIM_TYPE, { title: 'new claim' });
    for (let edit = 1; edit <= 5; edit += 1) emulator.userUpdatesItem(CLAIM_TYPE, Number(claim.id), { title: `edit ${edit}` });
    emulator.userAddsItem(OTHER_TYPE, { title: 'nobody routes this type' });
    // One record per object and event: the five edits left one UPDATE record.
    expect(emulator.state.offlineEvents).toHaveLength(3);

    const { first, second, entity } = await worker.runUntil(async () => {
      const drain = (id: string) =>
        env.client.workflow.execute('offlineDrainWorkflow', { taskQueue, workflowId: id, args: [{ memberId: emulator.memberId }] }) as Promise<OfflineDrainResult>;
      const firstDrain = await drain(`${taskQueue}-1`);
      const entityHandle = env.client.workflow.getHandle(entityWorkflowId(emulator.memberId, CLAIM_TYPE, Number(claim.id)));
      const entityResult = (await entityHandle.result()) as EntityRunResult;
      const secondDrain = await drain(`${taskQueue}-2`);
      return { first: firstDrain, second: secondDrain, entity: entityResult };
    });

    expect(first).toEqual({ batches: 1, fetched: 3, routed: 2, ignored: 1, failed: 0 });
    expect(entity.passes).toBe(1);
    expect(recorder.passes).toHaveLength(1);
    expect(recorder.passes[0]).toMatchObject({ added: true, deleted: false });
    expect(recorder.passes[0]?.changes.map((change) => [change.kind, change.source])).toEqual([
      ['add', 'offline'],
      ['update', 'offline'],
    ]);
    // The pass wrote the title with our auth_connector: nothing new was queued, so the next drain finds nothing.
    expect(emulator.callsTo('crm.item.update')).toHaveLength(1);
    expect(second).toEqual({ batches: 1, fetched: 0, routed: 0, ignored: 0, failed: 0 });
    expect(emulator.state.offlineEvents).toEqual([]);
    expect(emulator.callsTo('event.offline.clear')).toHaveLength(1);
  }, 90_000);

  it('the per-portal Schedule is created idempotently (SKIP overlap) and its run drains the queue', async () => {
    const recorder = passRecorder();
    const taskQueue = uniqueTaskQueue('schedule');
    const worker = await workerFor(recorder, taskQueue);
    const memberId = portal.emulator.memberId;

    const created = await ensureOfflineDrainSchedule(env.client, { memberId, taskQueue, intervalSeconds: 3600 });
    const again = await ensureOfflineDrainSchedule(env.client, { memberId, taskQueue, intervalSeconds: 600 });
    expect(created).toEqual({ scheduleId: `offline-drain/${memberId}`, created: true });
    expect(again).toEqual({ scheduleId: `offline-drain/${memberId}`, created: false });
    const schedule = env.client.schedule.getHandle(created.scheduleId);
    try {
      const description = await schedule.describe();
      expect(description.policies.overlap).toBe('SKIP');
      expect(description.spec.intervals?.[0]?.every).toBe(600_000);
      expect(description.action).toMatchObject({ workflowType: 'offlineDrainWorkflow', taskQueue, args: [{ memberId }] });

      const claim = portal.emulator.userAddsItem(CLAIM_TYPE, { title: 'claim while the ingress was down' });
      await worker.runUntil(async () => {
        await schedule.trigger();
        await waitUntil(() => recorder.passes.length === 1, 'the pass of the drained claim', 30_000);
        await env.client.workflow.getHandle(entityWorkflowId(memberId, CLAIM_TYPE, Number(claim.id))).result();
      });
      expect(recorder.passes[0]).toMatchObject({ entityId: Number(claim.id), added: true });
      expect(portal.emulator.state.offlineEvents).toEqual([]);
    } finally {
      await schedule.delete();
    }
  }, 90_000);
});
