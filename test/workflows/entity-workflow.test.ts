import { randomBytes } from 'node:crypto';
import type { WorkflowHandle, WorkflowHandleWithSignaledRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSettingsActivities } from '../../activities/settings.js';
import { entityChangedSignal, type EntityChange, type EntityPassContext, type EntityPassResult } from '../../contracts/entity.js';
import { OUTCOMES, SA_OUTCOME } from '../../contracts/search-attributes.js';
import { createDataConverter } from '../../lib/data-converter.js';
import type { EntityRunResult, EntityWorkflowArgs } from '../../workflows/entity/entity-loop.js';
import '../support/quiet-temporal-runtime.js';
import { createLocalEnv } from '../support/temporal-binaries.js';
import { uniqueTaskQueue } from '../support/workflow-bundle.js';
import { entitySettings, entityTestBundle, gate, passRecorder, type PassRecorder } from './support/entity-harness.js';
import { waitUntil } from './support/wait-until.js';

const dataConverter = createDataConverter(randomBytes(32).toString('base64'));
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createLocalEnv({ dataConverter });
  await entityTestBundle();
}, 180_000);

afterAll(async () => {
  await env?.teardown();
});

const change = (kind: EntityChange['kind'], ts: number, source: EntityChange['source'] = 'online'): EntityChange => ({
  kind,
  event: kind === 'add' ? 'ONCRMDYNAMICITEMADD_147' : kind === 'delete' ? 'ONCRMDYNAMICITEMDELETE_147' : 'ONCRMDYNAMICITEMUPDATE_147',
  ts,
  source,
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Scenario {
  handle: WorkflowHandle;
  signal(next: EntityChange): Promise<void>;
}

/** Runs one entity workflow on its own task queue until it completes; `drive` sends the events. */
async function runEntity(
  recorder: PassRecorder,
  first: EntityChange,
  drive: (scenario: Scenario) => Promise<void>,
  extra: Partial<EntityWorkflowArgs> = {},
): Promise<{ result: EntityRunResult; handle: WorkflowHandleWithSignaledRunId }> {
  const taskQueue = uniqueTaskQueue('entity');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    dataConverter,
    workflowBundle: await entityTestBundle(),
    activities: { ...createSettingsActivities(entitySettings()), ...recorder.activities },
  });
  const input: EntityWorkflowArgs = { memberId: 'member-1', entityTypeId: 147, entityId: 5, process: 'claim-intake', ...extra };
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.signalWithStart('entityWorkflow', {
      taskQueue,
      workflowId: `entity/member-1/147/${taskQueue}`,
      args: [input],
      signal: entityChangedSignal,
      signalArgs: [first],
    });
    await drive({ handle, signal: (next) => handle.signal(entityChangedSignal, next) });
    const result = (await handle.result()) as EntityRunResult;
    return { result, handle };
  });
}

describe('entity workflow (dev server)', () => {
  it('an update storm (10 updates within 1 s) gives one pass that sees all of them', async () => {
    const recorder = passRecorder();
    const { result } = await runEntity(recorder, change('update', 1), async ({ signal }) => {
      for (let ts = 2; ts <= 10; ts += 1) {
        await pause(100);
        await signal(change('update', ts));
      }
    });
    expect(recorder.passes).toHaveLength(1);
    expect(recorder.passes[0]?.changes.map((entry) => entry.ts)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result).toMatchObject({ passes: 1, failedPasses: 0, deleted: false });
  }, 60_000);

  it('duplicate deliveries of one change coalesce into one pass with the change once', async () => {
    const recorder = passRecorder();
    await runEntity(recorder, change('add', 7), async ({ signal }) => {
      await signal(change('add', 7));
      await signal(change('add', 7));
      // The same change from the offline queue is a second delivery, not a second change to process.
      await signal(change('add', 7, 'offline'));
    });
    expect(recorder.passes).toHaveLength(1);
    expect(recorder.passes[0]?.changes).toEqual([change('add', 7), change('add', 7, 'offline')]);
    expect(recorder.passes[0]?.added).toBe(true);
  }, 60_000);

  it('an update delivered before its add gives one pass that knows the item was added', async () => {
    const recorder = passRecorder();
    await runEntity(recorder, change('update', 12), async ({ signal }) => {
      await signal(change('add', 11));
    });
    expect(recorder.passes).toHaveLength(1);
    expect(recorder.passes[0]).toMatchObject({ added: true, deleted: false, memberId: 'member-1', entityTypeId: 147, entityId: 5 });
  }, 60_000);

  it('a delete during a pass ends the pending work: one pass with deleted=true, then the run completes', async () => {
    const hold = gate();
    const recorder = passRecorder(async (context, index) => {
      if (index === 0) await hold.wait;
      return { memory: { seen: index + 1 }, summary: context.deleted ? 'removed' : 'synced' };
    });
    const { result, handle } = await runEntity(recorder, change('add', 1), async ({ signal }) => {
      await waitUntil(() => recorder.passes.length === 1, 'the first pass');
      await signal(change('update', 2));
      await signal(change('delete', 3));
      await signal(change('update', 4));
      hold.open();
    });
    expect(recorder.passes).toHaveLength(2);
    expect(recorder.passes[1]).toMatchObject({ deleted: true, memory: { seen: 1 } });
    expect(result).toMatchObject({ passes: 2, deleted: true, lastSummary: 'removed' });
    expect((await handle.describe()).typedSearchAttributes.get(SA_OUTCOME)).toBe(OUTCOMES.completed);
  }, 60_000);

  it('continue-as-new carries pending changes and memory into the next run', async () => {
    const hold = gate();
    const recorder = passRecorder(async (context, index) => {
      if (index === 0) await hold.wait;
      return { memory: { passes: Number(context.memory.passes ?? 0) + 1 } };
    });
    const { result, handle } = await runEntity(
      recorder,
      change('add', 1),
      async ({ signal }) => {
        await waitUntil(() => recorder.passes.length === 1, 'the first pass');
        await signal(change('update', 2));
        await signal(change('update', 3));
        hold.open();
      },
      { continueAsNewAfterPasses: 1 },
    );
    expect(recorder.passes).toHaveLength(2);
    expect(recorder.passes[1]?.changes.map((entry) => entry.ts)).toEqual([2, 3]);
    expect(recorder.passes[1]?.memory).toEqual({ passes: 1 });
    expect(result.passes).toBe(1);

    const firstRun = env.client.workflow.getHandle(handle.workflowId, handle.signaledRunId);
    const events = (await firstRun.fetchHistory()).events ?? [];
    expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  }, 60_000);

  it('a failing pass is logged and recorded, and the entity keeps serving later changes', async () => {
    const recorder = passRecorder(async (_context, index): Promise<EntityPassResult> => {
      if (index === 0) throw new Error('portal said no');
      return {};
    });
    const { result, handle } = await runEntity(recorder, change('add', 1), async ({ signal }) => {
      await waitUntil(() => recorder.passes.length === 1, 'the failing pass');
      await signal(change('update', 2));
    });
    expect(recorder.passes.map((pass: EntityPassContext) => pass.changes.length)).toEqual([1, 1]);
    expect(result).toMatchObject({ passes: 2, failedPasses: 1 });
    expect((await handle.describe()).typedSearchAttributes.get(SA_OUTCOME)).toBe(OUTCOMES.completed);
  }, 60_000);
});
