import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimFieldNames, invoiceTotalFieldNames } from '../../contracts/crm-field-names.js';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { offlineDrainStatusQuery, offlineDrainWorkflowId } from '../../contracts/offline-drain.js';
import { portalSettingsQuery } from '../../contracts/portal.js';
import { portalWorkflowId, provisionWorkflowId } from '../../contracts/workflow-ids.js';
import type { RecordedCall } from '../../emulators/bitrix24/index.js';
import { eventually } from '../support/entity-runs.js';
import { startStack, type Stack } from '../support/stack.js';
import { seedDealWithRows, shipmentElementsOf } from '../faults/support/fault-stack.js';

/**
 * A portal whose plan lacks `rest_auth_connector` (below Professional): Bitrix24 refuses every call that carries
 * `auth_connector` with WRONG_LICENSE. The app must provision, write and drain the offline queue without one.
 */
const MANAGER = 3;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    emulator: { rateLimit: false, features: { rest_auth_connector: false } },
    env: { LOG_LEVEL: 'warn', OFFLINE_DRAIN_INTERVAL_SECONDS: '3600', B24_RATE_LIMIT_PER_SECOND: '1000', B24_RATE_LIMIT_BURST: '1000' },
  });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

const memberId = () => stack.emulator.memberId;
const state = () => stack.emulator.state;
const carriesConnector = (call: RecordedCall) => call.params.auth_connector !== undefined;
const refused = () => stack.emulator.calls.filter((call) => call.error === 'WRONG_LICENSE');
/** Queue rows without a connector: the only ones a plan without the feature has. */
const queue = () => state().offlineEvents.filter((row) => row.connectorId === '');

describe('a plan without rest_auth_connector', () => {
  it('provisioning succeeds, binds the offline events without a connector and records that', async () => {
    await stack.temporal.client.workflow.getHandle(provisionWorkflowId(memberId())).result();
    const offline = state().eventBindings.filter((binding) => binding.offline);
    expect(offline.length).toBeGreaterThan(0);
    expect(offline.every((binding) => binding.connectorId === '')).toBe(true);
    const settings = await stack.temporal.client.workflow.getHandle(portalWorkflowId(memberId())).query(portalSettingsQuery);
    expect(settings.authConnector).toBe(false);
    expect(refused()).toEqual([]);
  }, 120_000);

  it('claim and invoice passes write without a connector', async () => {
    const claimType = state().crmTypes.find((type) => type.title === 'Claim');
    const totalsType = state().crmTypes.find((type) => type.title === 'Invoice totals');
    if (!claimType || !totalsType) throw new Error('provisioning did not create the smart processes');
    const claimFields = claimFieldNames(claimType.id);
    const claim = stack.emulator.userAddsItem(claimType.entityTypeId, { title: 'Cracked housing', assignedById: MANAGER }, MANAGER);
    await eventually(() => state().getItem(claimType.entityTypeId, Number(claim.id))?.[claimFields.number], 'the claim number', 60_000);

    const invoice = stack.emulator.userAddsItem(ENTITY_TYPE.smartInvoice, { title: 'Invoice for seals', currencyId: 'EUR' }, MANAGER);
    state().setProductRows('SI', Number(invoice.id), [{ productName: 'Seal', price: 12.5, quantity: 4 }]);
    stack.emulator.userUpdatesItem(ENTITY_TYPE.smartInvoice, Number(invoice.id), {}, MANAGER);
    const totals = invoiceTotalFieldNames(totalsType.id);
    const helper = await eventually(
      () => state().items.all(totalsType.entityTypeId).find((item) => Number(item.parentId31) === Number(invoice.id) && Number(item[totals.total]) === 50),
      'the invoice total',
      60_000,
    );
    expect(helper).toBeDefined();

    const writes = stack.emulator.calls.filter((call) => call.method === 'crm.item.update' || call.method === 'crm.item.add');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter(carriesConnector)).toEqual([]);
    expect(refused()).toEqual([]);
  }, 120_000);

  it('the offline drain delivers what changed while the API was down, reading the queue without a connector', async () => {
    const { emulator } = stack;
    const deal = seedDealWithRows(emulator, 2);
    const trigger = seedDealWithRows(emulator, 1);
    const callsFrom = emulator.calls.length;
    await stack.api.stop();
    emulator.userUpdatesItem(ENTITY_TYPE.deal, deal, { title: 'Edited while the API is down' }, MANAGER);
    await emulator.settleDeliveries();
    expect(queue().some((row) => String((row.EVENT_DATA as { FIELDS?: { ID?: unknown } }).FIELDS?.ID) === String(deal))).toBe(true);

    await stack.restartApi();
    // The next change brings Bitrix24's next ONOFFLINEEVENT, which wakes the drain.
    emulator.userUpdatesItem(ENTITY_TYPE.deal, trigger, { title: 'Edited after the API is back' }, MANAGER);
    await eventually(() => shipmentElementsOf(emulator, deal) === 2, 'the deal changed during the outage in the shipment list', 120_000);

    const reads = emulator.calls.slice(callsFrom).filter((call) => call.method === 'event.offline.get');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter(carriesConnector)).toEqual([]);
    expect(reads.every((call) => call.status === 200)).toBe(true);
    // Without a connector the queue also records our own writes; the drain reads them too and the passes they cause
    // compare and write nothing, so the queue runs empty.
    await eventually(() => queue().length === 0, 'an empty offline queue', 120_000);
    const status = await stack.temporal.client.workflow.getHandle(offlineDrainWorkflowId(memberId())).query(offlineDrainStatusQuery);
    expect(status.lastFailure).toBeNull();
    expect(refused()).toEqual([]);
  }, 300_000);
});
