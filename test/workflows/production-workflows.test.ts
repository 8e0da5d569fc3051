import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { ENTITY_PROCESS, entityChangedSignal, type EntityChange } from '../../contracts/entity.js';
import { OUTCOMES, SA_OUTCOME } from '../../contracts/search-attributes.js';
import { entityWorkflowId, provisionWorkflowId } from '../../contracts/workflow-ids.js';
import type { EntityRunResult, EntityWorkflowArgs } from '../../workflows/entity/entity-loop.js';
import '../support/quiet-temporal-runtime.js';
import { keepForReplay, replayDataConverter } from '../support/replay-histories.js';
import { createLocalEnv } from '../support/temporal-binaries.js';
import { testActivities } from '../support/test-activities.js';
import { createTestWorker, testWorkflowBundle, uniqueTaskQueue } from '../support/workflow-bundle.js';
import { startEmulatorPortal, type EmulatorPortal } from './support/emulator-portal.js';

/**
 * Provisioning and the entity loop exactly as the worker registers them (the production bundle: real passes, real
 * activities) against the emulated portal. Their runs are kept as replay fixtures (npm run test:capture-histories).
 */
const dataConverter = replayDataConverter();
let env: TestWorkflowEnvironment;
let portal: EmulatorPortal;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('production');

beforeAll(async () => {
  [env, portal] = await Promise.all([createLocalEnv({ dataConverter }), startEmulatorPortal(), testWorkflowBundle()]).then(([local, emulated]) => [local, emulated] as const);
  worker = await createTestWorker(env, {
    taskQueue,
    dataConverter,
    activities: testActivities({
      bitrix24: portal.bitrix24,
      portals: portal.store,
      temporal: env.client,
      provisioning: { publicUrl: 'http://127.0.0.1:3999' },
      settings: { entityCoalesceWindowMs: 1_000, entityIdleMs: 1_500 },
    }),
  });
  running = worker.run();
}, 180_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await portal?.close();
  await env?.teardown();
});

const update = (ts: number): EntityChange => ({ kind: 'update', event: 'ONCRMDEALUPDATE', ts, source: 'online' });
const productRowReads = (dealId: number) =>
  portal.emulator.callsTo('crm.item.productrow.list').filter((call) => String((call.params.filter as Record<string, unknown> | undefined)?.['=ownerId']) === String(dealId));

describe('production workflows against the emulated portal (dev server)', () => {
  it('provisions the portal: robots, event bindings and the shipment list, recorded for the CRM processes', async () => {
    const { memberId } = portal.emulator;
    const handle = await env.client.workflow.start('provisionPortalWorkflow', { taskQueue, workflowId: provisionWorkflowId(memberId), args: [{ memberId }] });
    await handle.result();
    expect(portal.emulator.state.eventBindings.some((binding) => binding.event === 'ONCRMDEALUPDATE')).toBe(true);
    expect(portal.emulator.state.lists.length).toBeGreaterThan(0);
    expect(await portal.store.settings(memberId)).toMatchObject({ shipmentListIblockId: expect.any(Number) });
    expect((await handle.describe()).typedSearchAttributes.get(SA_OUTCOME)).toBe(OUTCOMES.completed);
    await keepForReplay(handle, expect.getState().currentTestName);
  }, 120_000);

  it('coalesces a storm of updates into one pass, and carries the item on through continue-as-new', async () => {
    const { memberId } = portal.emulator;
    const deal = portal.emulator.state.addItem(ENTITY_TYPE.deal, { title: 'Pumps', opportunity: 100, currencyId: 'RUB', assignedById: 3 });
    portal.emulator.state.setProductRows('D', deal.id, [
      { productId: 7, productName: 'Pump', price: 1200, quantity: 2 },
      { productId: 8, productName: 'Valve', price: 40, quantity: 10 },
    ]);
    const input: EntityWorkflowArgs = { memberId, entityTypeId: ENTITY_TYPE.deal, entityId: deal.id, process: ENTITY_PROCESS.dealProducts, continueAsNewAfterPasses: 1 };
    const handle = await env.client.workflow.signalWithStart('entityWorkflow', {
      taskQueue,
      workflowId: entityWorkflowId(memberId, ENTITY_TYPE.deal, deal.id),
      args: [input],
      signal: entityChangedSignal,
      signalArgs: [update(1)],
    });
    for (let ts = 2; ts <= 5; ts += 1) await handle.signal(entityChangedSignal, update(ts));
    const shipments = () => portal.emulator.state.listElements.filter((element) => element.CODE.startsWith(`deal-${deal.id}-row-`));
    for (let attempt = 0; attempt < 200 && shipments().length < 2; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(shipments()).toHaveLength(2);
    expect(productRowReads(deal.id)).toHaveLength(1);

    // The first run continued as new after its pass; the next change is served by the continued run.
    portal.emulator.state.setProductRows('D', deal.id, [{ productId: 7, productName: 'Pump', price: 1200, quantity: 3 }]);
    // As the router sends it: a run that went idle meanwhile would be started again, not missed.
    await env.client.workflow.signalWithStart('entityWorkflow', { taskQueue, workflowId: handle.workflowId, args: [{ ...input, continueAsNewAfterPasses: undefined }], signal: entityChangedSignal, signalArgs: [update(6)] });
    const result = (await env.client.workflow.getHandle(handle.workflowId).result()) as EntityRunResult;
    expect(result).toMatchObject({ passes: 1, failedPasses: 0 });
    expect(productRowReads(deal.id)).toHaveLength(2);
    expect(shipments()).toHaveLength(1);
    const first = await env.client.workflow.getHandle(handle.workflowId, handle.signaledRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    await keepForReplay(handle, expect.getState().currentTestName);
  }, 120_000);
});
