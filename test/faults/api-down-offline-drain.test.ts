import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_CONNECTOR } from '../../contracts/bitrix24-app.js';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { offlineDrainStatusQuery, offlineDrainWorkflowId, type OfflineDrainStatus } from '../../contracts/offline-drain.js';
import { entityWorkflowId } from '../../contracts/workflow-ids.js';
import { entityRunState } from '../support/entity-runs.js';
import type { Stack } from '../support/stack.js';
import { passesForDeal, seedDealWithRows, shipmentElementsOf, startFaultStack, waitFor, waitForProvisioning } from './support/fault-stack.js';

const DEALS = 200;

let stack: Stack;

beforeAll(async () => {
  stack = await startFaultStack({
    // 200 deals at once: no rate limit on either side, so the test measures loss and doubling, not the budget.
    emulator: { rateLimit: false },
    env: {
      // Only ONOFFLINEEVENT wakes the drain here: its timer must not run during the outage.
      OFFLINE_DRAIN_INTERVAL_SECONDS: '3600',
      ENTITY_COALESCE_WINDOW_MS: '1000',
      B24_RATE_LIMIT_PER_SECOND: '1000',
      B24_RATE_LIMIT_BURST: '1000',
      LOG_LEVEL: 'warn',
    },
  });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

async function drainStatus(): Promise<OfflineDrainStatus> {
  return stack.temporal.client.workflow.getHandle(offlineDrainWorkflowId(stack.emulator.memberId)).query(offlineDrainStatusQuery);
}

const ourQueue = () => stack.emulator.state.offlineEvents.filter((row) => row.connectorId === AUTH_CONNECTOR);

/**
 * The observable: a deal-products pass reads the deal's product rows once, so after the outage each deal must have
 * exactly one `crm.item.productrow.list` read for it (seeded without events, nothing read it before) and one pass in
 * its entity workflow; its row is in the shipment list; and the queue of our connector is empty.
 */
async function outageThenDrain(): Promise<{ deals: number[]; trigger: number; callsFrom: number }> {
  const { emulator } = stack;
  const deals = Array.from({ length: DEALS }, () => seedDealWithRows(emulator, 1));
  const trigger = seedDealWithRows(emulator, 1);
  const callsFrom = emulator.calls.length;
  const deliveriesFrom = emulator.state.deliveries.length;
  await stack.api.stop();

  for (const id of deals) emulator.userUpdatesItem(ENTITY_TYPE.deal, id, { title: 'Edited while the API is down' });
  await emulator.settleDeliveries();
  const lost = emulator.state.deliveries.slice(deliveriesFrom);
  expect(lost.filter((delivery) => delivery.event === 'ONCRMDEALUPDATE')).toHaveLength(DEALS);
  // Bitrix24 re-sends neither the events nor the notice of new offline records: only the queue has them.
  expect(lost.some((delivery) => delivery.event === 'ONOFFLINEEVENT')).toBe(true);
  expect(lost.every((delivery) => delivery.status === null)).toBe(true);
  expect(ourQueue()).toHaveLength(DEALS);
  expect(deals.map((id) => passesForDeal(emulator, id)).every((passes) => passes === 0)).toBe(true);

  await stack.restartApi();
  // The next change after the outage brings Bitrix24's next notice, which wakes the drain for everything queued.
  emulator.userUpdatesItem(ENTITY_TYPE.deal, trigger, { title: 'Edited after the API is back' });

  await waitFor(() => deals.every((id) => shipmentElementsOf(emulator, id) === 1), 'every deal changed during the outage in the shipment list', 300_000);
  await waitFor(() => ourQueue().length === 0, 'an empty offline queue', 60_000);
  await waitFor(async () => (await drainStatus()).totals.fetched >= DEALS, 'the drain to have read every record', 60_000);
  // Every entity has gone idle after its pass: a late duplicate signal would have shown up as a second one.
  for (const id of deals) {
    await waitFor(async () => (await entityRunState(stack.temporal.client, entityWorkflowId(emulator.memberId, ENTITY_TYPE.deal, id))).idle, `deal ${id} idle`, 60_000);
  }
  return { deals, trigger, callsFrom };
}

async function expectEachDealOnce(deals: number[]): Promise<void> {
  const { emulator } = stack;
  expect(deals.map((id) => passesForDeal(emulator, id))).toEqual(deals.map(() => 1));
  const passes = await Promise.all(
    deals.map(async (id) => (await entityRunState(stack.temporal.client, entityWorkflowId(emulator.memberId, ENTITY_TYPE.deal, id))).passes),
  );
  expect(passes).toEqual(deals.map(() => 1));
  expect(deals.map((id) => shipmentElementsOf(emulator, id))).toEqual(deals.map(() => 1));
}

describe('the API stopped while 200 deals change', () => {
  it('with the extended offline feature: every deal processed exactly once, through reserved batches confirmed by process id', async () => {
    const { deals, trigger, callsFrom } = await outageThenDrain();
    await expectEachDealOnce(deals);
    expect(passesForDeal(stack.emulator, trigger)).toBeGreaterThanOrEqual(1);

    const calls = stack.emulator.calls.slice(callsFrom);
    // A read may ride in a batch, whose commands carry their parameters as query-string text.
    const reads = calls.filter((call) => call.method === 'event.offline.get');
    expect(reads.length).toBeGreaterThanOrEqual(Math.ceil(DEALS / 50));
    expect(reads.every((call) => call.status === 200 && Number(call.params.clear) === 0 && call.params.process_id === undefined && call.params.auth_connector === AUTH_CONNECTOR)).toBe(true);
    const cleared = calls.filter((call) => call.method === 'event.offline.clear').flatMap((call) => call.params.message_id as string[]);
    expect(cleared.length).toBeGreaterThanOrEqual(DEALS);
    expect(calls.filter((call) => call.method === 'event.offline.error')).toEqual([]);
    expect(await drainStatus()).toMatchObject({ extended: true, reservedProcessId: null, lastFailure: null });
  }, 900_000);

  it('without the feature: every deal processed exactly once, read with clear=1 and nothing left to confirm', async () => {
    const { emulator, temporal } = stack;
    emulator.setFeature('rest_offline_extended', false);
    // An app update makes the drain ask feature.get again (the plan may have changed), and re-provisions.
    const featureChecks = emulator.callsTo('feature.get').length;
    const update = await emulator.updateApp();
    expect(update).toMatchObject([{ handler: `${stack.apiUrl}/bitrix24/install`, status: 200 }]);
    await waitForProvisioning(temporal.client, emulator.memberId);
    await waitFor(async () => emulator.callsTo('feature.get').length > featureChecks && (await drainStatus()).extended === false, 'the drain to learn the plan lacks the feature', 60_000);

    const { deals, callsFrom } = await outageThenDrain();
    await expectEachDealOnce(deals);

    const calls = emulator.calls.slice(callsFrom);
    const reads = calls.filter((call) => call.method === 'event.offline.get');
    expect(reads.every((call) => call.status === 200 && Number(call.params.clear) === 1 && call.params.auth_connector === AUTH_CONNECTOR)).toBe(true);
    expect(calls.filter((call) => call.method === 'event.offline.clear' || call.method === 'event.offline.error')).toEqual([]);
    expect(await drainStatus()).toMatchObject({ extended: false, lastFailure: null });
  }, 900_000);
});
