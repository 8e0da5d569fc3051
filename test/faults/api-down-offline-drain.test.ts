import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { OFFLINE_DRAIN_WORKFLOW_TYPE } from '../../contracts/offline-drain.js';
import { startService, waitForHttpOk, type ServiceProcess } from '../support/service-process.js';
import type { Stack } from '../support/stack.js';
import { passesForDeal, seedDealWithRows, shipmentElementsOf, startFaultStack, waitFor } from './support/fault-stack.js';

const ROWS = 2;
const DEALS = 4;
const EDITS_PER_DEAL = 3;

let stack: Stack;
let restartedApi: ServiceProcess | undefined;

beforeAll(async () => {
  stack = await startFaultStack({ env: { OFFLINE_DRAIN_INTERVAL_SECONDS: '2', ENTITY_COALESCE_WINDOW_MS: '500' } });
});

afterAll(async () => {
  await restartedApi?.stop();
  await stack?.stop();
});

async function completedDrains(): Promise<number> {
  const { count } = await stack.temporal.client.workflow.count(
    `WorkflowType = '${OFFLINE_DRAIN_WORKFLOW_TYPE}' AND ExecutionStatus = 'Completed'`,
  );
  return count;
}

describe('the API stopped while CRM events fire', () => {
  it('gets every changed deal processed once, by the offline drain', async () => {
    const { emulator } = stack;
    const deals = Array.from({ length: DEALS }, () => seedDealWithRows(emulator, ROWS));
    await stack.api.stop();

    const firstDelivery = emulator.state.deliveries.length;
    for (let edit = 1; edit <= EDITS_PER_DEAL; edit += 1) {
      for (const id of deals) emulator.userUpdatesItem(ENTITY_TYPE.deal, id, { title: `Edited while the API is down (${edit})` });
    }
    // The queue keeps one record per deal and event, however often it changed.
    const queued = emulator.state.offlineEvents.filter((record) => record.EVENT_NAME === 'ONCRMDEALUPDATE');
    expect(queued.map((record) => Number((record.EVENT_DATA.FIELDS as { ID: number }).ID)).sort()).toEqual([...deals].sort());
    await emulator.settleDeliveries();
    const online = emulator.state.deliveries.slice(firstDelivery).filter((delivery) => delivery.event === 'ONCRMDEALUPDATE');
    // Bitrix24 does not re-send an online event: these are lost unless the offline queue has them.
    expect(online).toHaveLength(DEALS * EDITS_PER_DEAL);
    expect(online.every((delivery) => delivery.status === null && delivery.error !== undefined)).toBe(true);

    restartedApi = startService('api', 'api/server.ts', stack.env);
    await waitForHttpOk(`${stack.apiUrl}/readyz`, 60_000, restartedApi);

    await waitFor(() => deals.every((id) => shipmentElementsOf(emulator, id) === ROWS), 'every edited deal in the shipment list', 60_000);
    // Two more scheduled drains after that: whatever they find must not cause another pass.
    const drainsSoFar = await completedDrains();
    await waitFor(async () => (await completedDrains()) >= drainsSoFar + 2, 'two more offline drains', 60_000);

    expect(deals.map((id) => passesForDeal(emulator, id))).toEqual(deals.map(() => 1));
    const pending = emulator.state.offlineEvents.filter((record) => record.EVENT_NAME === 'ONCRMDEALUPDATE');
    expect(pending).toEqual([]);
    expect(emulator.callsTo('event.offline.clear').some((call) => call.status === 200)).toBe(true);
  });
});
