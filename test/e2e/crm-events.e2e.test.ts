import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimFieldNames, invoiceTotalFieldNames, type ClaimFieldNames, type InvoiceTotalFieldNames } from '../../contracts/crm-field-names.js';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { SHIPMENT_LIST, SHIPMENT_PROPERTIES, SHIPMENT_PROPERTY_KEYS, type ShipmentPropertyIds } from '../../contracts/shipment-list.js';
import { entityWorkflowId, provisionWorkflowId } from '../../contracts/workflow-ids.js';
import type { CrmItem, ProductRow, RecordedCall } from '../../emulators/bitrix24/index.js';
import { claimNotificationTag } from '../../workflows/processes/claim-intake.js';
import { entityRunState, eventually, waitForEntityIdle } from '../support/entity-runs.js';
import { startStack, type Stack } from '../support/stack.js';

const MANAGER = 3;
const QUALITY_HEAD = 2;
// PORTAL_TIME_ZONE default; Moscow has had no DST since 2014, so its offset is a constant +03:00.
const MOSCOW_OFFSET_MS = 3 * 3600_000;

let stack: Stack;
let memberId: string;
let claimType: { entityTypeId: number; typeId: number };
let claimFields: ClaimFieldNames;
let invoiceTotalEntityTypeId: number;
let totalFields: InvoiceTotalFieldNames;
/** The shipment list provisioning created, and its property ids. */
let shipmentIblockId: number;
let propertyIds: ShipmentPropertyIds;

beforeAll(async () => {
  stack = await startStack({
    // Limits raised on both sides (emulator and our client) so 20 concurrent claims do not queue for half a minute.
    emulator: { rateLimit: { perSecond: 20, burst: 200 } },
    // Nothing about the portal is configured: provisioning creates the types, fields and the shipment list.
    env: {
      LOG_LEVEL: 'info',
      B24_RATE_LIMIT_PER_SECOND: '20',
      B24_RATE_LIMIT_BURST: '200',
      // The drain runs when ONOFFLINEEVENT wakes it; its own timer must not fire during the outage test.
      OFFLINE_DRAIN_INTERVAL_SECONDS: '3600',
    },
  });
  memberId = stack.emulator.memberId;
  await stack.temporal.client.workflow.getHandle(provisionWorkflowId(memberId)).result();
  const typeNamed = (title: string) => {
    const type = stack.emulator.state.crmTypes.find((candidate) => candidate.title === title);
    if (!type) throw new Error(`provisioning did not create "${title}"`);
    return type;
  };
  const claim = typeNamed('Claim');
  claimType = { entityTypeId: claim.entityTypeId, typeId: claim.id };
  claimFields = claimFieldNames(claim.id);
  const totals = typeNamed('Invoice totals');
  invoiceTotalEntityTypeId = totals.entityTypeId;
  totalFields = invoiceTotalFieldNames(totals.id);
  const list = stack.emulator.state.lists.find((candidate) => candidate.CODE === SHIPMENT_LIST.iblockCode);
  if (!list) throw new Error('provisioning did not create the shipment list');
  shipmentIblockId = list.ID;
  const properties = stack.emulator.state.listProperties.filter((property) => property.IBLOCK_ID === list.ID);
  propertyIds = Object.fromEntries(
    SHIPMENT_PROPERTY_KEYS.map((key) => [key, properties.find((property) => property.CODE === SHIPMENT_PROPERTIES[key].code)?.ID]),
  ) as ShipmentPropertyIds;
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

const client = () => stack.temporal.client;
const state = () => stack.emulator.state;
const workflowOf = (entityTypeId: number, id: number) => entityWorkflowId(memberId, entityTypeId, id);

function callsSince(mark: number, matches: (call: RecordedCall) => boolean): RecordedCall[] {
  return stack.emulator.calls.slice(mark).filter(matches);
}

/** Top-level REST requests (a batch counts once; its commands are recorded with inBatch). */
function requestsSince(mark: number, matches: (call: RecordedCall) => boolean): string[] {
  return callsSince(mark, (call) => !call.inBatch && matches(call))
    .map((call) => call.method)
    .sort();
}

const isUpdateOf = (entityTypeId: number, id: number) => (call: RecordedCall) =>
  call.method === 'crm.item.update' && Number(call.params.entityTypeId) === entityTypeId && Number(call.params.id) === id;
const isGetOf = (entityTypeId: number, id: number) => (call: RecordedCall) =>
  call.method === 'crm.item.get' && Number(call.params.entityTypeId) === entityTypeId && Number(call.params.id) === id;

const claimItem = (id: number): CrmItem => {
  const item = state().getItem(claimType.entityTypeId, id);
  if (!item) throw new Error(`claim ${id} is gone`);
  return item;
};
const claimNumberOf = (id: number) => claimItem(id)[claimFields.number] as string | undefined;
const binding = (id: number) => `T${claimType.entityTypeId.toString(16)}_${id}`;
const tasksOf = (id: number) => state().tasks.filter((task) => (task.ufCrmTask as string[]).includes(binding(id)));
const notificationsOf = (id: number) => state().notifications.filter((note) => note.tag === claimNotificationTag(memberId, claimType.entityTypeId, id));

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** Two business days (no holidays configured) after `createdTime`, same Moscow wall-clock time, as tasks.task.add takes it. */
function expectedDeadline(createdTime: string): string {
  const local = new Date(Date.parse(createdTime) + MOSCOW_OFFSET_MS);
  const day = new Date(local);
  for (let counted = 0; counted < 2; ) {
    day.setUTCDate(day.getUTCDate() + 1);
    if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) counted += 1;
  }
  const date = `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}`;
  return `${date}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}+03:00`;
}

function claimYear(createdTime: string): number {
  return new Date(Date.parse(createdTime) + MOSCOW_OFFSET_MS).getUTCFullYear();
}

async function updateStorm(entityTypeId: number, id: number, count: number, spreadMs: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    stack.emulator.userUpdatesItem(entityTypeId, id, { title: `Edited ${index}` }, MANAGER);
    if (index < count - 1) await new Promise((resolve) => setTimeout(resolve, spreadMs / (count - 1)));
  }
}

let firstClaimId: number;
const claimIds: number[] = [];

describe('claim intake: emulator → API → entity workflow → worker → emulator', () => {
  it('numbers a new claim, creates the quality task, links the deal and notifies the manager, once', async () => {
    const deal = state().addItem(ENTITY_TYPE.deal, { title: 'Deal the claim is about', assignedById: MANAGER });
    const claim = stack.emulator.userAddsItem(claimType.entityTypeId, { title: 'Broken hinge', assignedById: MANAGER, [claimFields.dealId]: deal.id }, MANAGER);
    firstClaimId = Number(claim.id);
    claimIds.push(firstClaimId);
    const createdTime = String(claim.createdTime);

    const number = await eventually(() => claimNumberOf(firstClaimId), 'the claim number');
    expect(number).toBe(`CL-${claimYear(createdTime)}-0001`);
    // The intake pass, then the echo of its own write: a pass that writes nothing, so nothing echoes again.
    const run = await waitForEntityIdle(client(), workflowOf(claimType.entityTypeId, firstClaimId), 2);
    expect(run.passes).toBe(2);
    expect(callsSince(0, isUpdateOf(claimType.entityTypeId, firstClaimId))).toHaveLength(1);
    const runs = await client().workflow.count(`WorkflowId = '${workflowOf(claimType.entityTypeId, firstClaimId)}'`);
    expect(runs.count).toBe(1);

    const tasks = tasksOf(firstClaimId);
    expect(tasks).toHaveLength(1);
    const task = tasks[0] ?? {};
    expect(task.title).toContain(number);
    expect(task.responsibleId).toBe(String(QUALITY_HEAD));
    expect(task.deadline).toBe(expectedDeadline(createdTime));
    expect(task.ufCrmTask).toEqual([binding(firstClaimId), `D_${deal.id}`]);

    const stored = claimItem(firstClaimId);
    expect(stored.parentId2).toBe(deal.id);
    expect(Number(stored[claimFields.qualityTaskId])).toBe(Number(task.id));
    const notes = notificationsOf(firstClaimId);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.userId).toBe(MANAGER);
    expect(notes[0]?.message).toContain(number);
  });

  it('gives 20 claims created at once the next numbers, each exactly once', async () => {
    const claims = await Promise.all(
      Array.from({ length: 20 }, async (_, index) => stack.emulator.userAddsItem(claimType.entityTypeId, { title: `Batch claim ${index}`, assignedById: MANAGER }, MANAGER)),
    );
    const ids = claims.map((claim) => Number(claim.id));
    claimIds.push(...ids);
    await eventually(() => ids.every((id) => claimNumberOf(id)), 'numbers on all 20 claims', 120_000);
    for (const id of ids) await waitForEntityIdle(client(), workflowOf(claimType.entityTypeId, id), 2);

    const year = claimYear(String(claims[0]?.createdTime));
    const numbers = [firstClaimId, ...ids].map((id) => claimNumberOf(id));
    expect([...numbers].sort()).toEqual(Array.from({ length: 21 }, (_, index) => `CL-${year}-${String(index + 1).padStart(4, '0')}`));
    for (const id of ids) {
      expect(tasksOf(id), `tasks of claim ${id}`).toHaveLength(1);
      expect(notificationsOf(id), `notifications of claim ${id}`).toHaveLength(1);
      expect(callsSince(0, isUpdateOf(claimType.entityTypeId, id)), `writes to claim ${id}`).toHaveLength(1);
    }
  }, 180_000);

  it('coalesces 10 updates within a second into one pass that reads the claim once and writes nothing', async () => {
    const workflowId = workflowOf(claimType.entityTypeId, firstClaimId);
    const before = await entityRunState(client(), workflowId);
    expect(before.idle).toBe(true);
    const mark = stack.emulator.calls.length;

    await updateStorm(claimType.entityTypeId, firstClaimId, 10, 900);

    const after = await waitForEntityIdle(client(), workflowId, before.passes + 1);
    expect(after.passes).toBe(before.passes + 1);
    expect(callsSince(mark, isGetOf(claimType.entityTypeId, firstClaimId))).toHaveLength(1);
    expect(callsSince(mark, isUpdateOf(claimType.entityTypeId, firstClaimId))).toHaveLength(0);
    expect(tasksOf(firstClaimId)).toHaveLength(1);
    expect(notificationsOf(firstClaimId)).toHaveLength(1);
  });
});

let invoiceId: number;

/** Rows as Bitrix24 stores them: `price` is the final unit price (discount applied, tax added unless included). */
function invoiceRows(firstQuantity: number): Partial<ProductRow>[] {
  return [
    // 100 − 10 % = 90, + 20 % VAT on top = 108.
    { productName: 'Valve', priceNetto: 100, discountTypeId: 2, discountRate: 10, discountSum: 10, priceExclusive: 90, taxRate: 20, taxIncluded: 'N', priceBrutto: 120, price: 108, quantity: firstQuantity },
    // VAT included in the price: 50 stays 50.
    { productName: 'Gasket', priceNetto: 41.67, priceExclusive: 41.67, taxRate: 20, taxIncluded: 'Y', priceBrutto: 50, price: 50, quantity: 2.5 },
    // A fixed 5.00 discount: 19.99 → 14.99.
    { productName: 'Seal', priceNetto: 19.99, discountTypeId: 1, discountSum: 5, discountRate: 25.01, priceExclusive: 14.99, priceBrutto: 19.99, price: 14.99, quantity: 7 },
    // 50 more rows: the total needs every page of crm.item.productrow.list.
    ...Array.from({ length: 50 }, (_, index) => ({ productName: `Bolt ${index}`, price: 1, quantity: 1 })),
  ];
}

const helpersOf = (id: number) => state().items.all(invoiceTotalEntityTypeId).filter((item) => Number(item.parentId31) === id);
const totalOf = (id: number) => helpersOf(id)[0]?.[totalFields.total];
const helperWrites = (mark: number) =>
  callsSince(mark, (call) => (call.method === 'crm.item.add' || call.method === 'crm.item.update') && Number(call.params.entityTypeId) === invoiceTotalEntityTypeId);

/** The invoice pass's commands, alone or inside batches (a read may ride in a batch with other calls to the portal). */
const invoiceCommands = (mark: number, id: number) =>
  callsSince(mark, (call) => {
    const params = call.params as Record<string, unknown> & { filter?: Record<string, unknown> };
    if (Number(params.entityTypeId) === invoiceTotalEntityTypeId) return true;
    if (call.method === 'crm.item.productrow.list') return params.filter?.['=ownerType'] === 'SI' && Number(params.filter['=ownerId']) === id;
    return isGetOf(ENTITY_TYPE.smartInvoice, id)(call);
  })
    .map((call) => call.method)
    .sort();

describe('invoice totals: smart invoice → helper element', () => {
  it('creates the helper element linked to the invoice with the total of all rows, discounts and taxes applied', async () => {
    const mark = stack.emulator.calls.length;
    const invoice = stack.emulator.userAddsItem(ENTITY_TYPE.smartInvoice, { title: 'Invoice for valves', currencyId: 'EUR' }, MANAGER);
    invoiceId = Number(invoice.id);
    state().setProductRows('SI', invoiceId, invoiceRows(3));

    const helper = await eventually(() => helpersOf(invoiceId)[0], 'the helper element');
    // 3 × 108 + 2.5 × 50 + 7 × 14.99 + 50 × 1, in the helper's own TOTAL/CURRENCY fields (the type has no opportunity).
    expect(helper[totalFields.total]).toBe(603.93);
    expect(helper[totalFields.currency]).toBe('EUR');
    expect(helper).not.toHaveProperty('opportunity', 603.93);
    await waitForEntityIdle(client(), workflowOf(ENTITY_TYPE.smartInvoice, invoiceId), 1);
    expect(helpersOf(invoiceId)).toHaveLength(1);
    expect(helperWrites(mark).map((call) => call.method)).toEqual(['crm.item.add']);
    // The invoice, two pages of its rows, the helper lookup, the helper add.
    expect(invoiceCommands(mark, invoiceId)).toEqual(['crm.item.add', 'crm.item.get', 'crm.item.list', 'crm.item.productrow.list', 'crm.item.productrow.list']);
  });

  it('writes 3 × 100 + 2 × 12.5 = 325 into the helper total field of the provisioned type', async () => {
    const invoice = stack.emulator.userAddsItem(ENTITY_TYPE.smartInvoice, { title: 'Invoice for pumps', currencyId: 'RUB' }, MANAGER);
    const id = Number(invoice.id);
    state().setProductRows('SI', id, [
      { productName: 'Pump', price: 100, quantity: 3 },
      { productName: 'Hose', price: 12.5, quantity: 2 },
    ]);
    await eventually(() => totalOf(id) === 325, 'the total 325');
    await waitForEntityIdle(client(), workflowOf(ENTITY_TYPE.smartInvoice, id), 1);
    expect(helpersOf(id)).toHaveLength(1);
    expect(helpersOf(id)[0]?.[totalFields.currency]).toBe('RUB');
  });

  it('updates the total when the rows change, and writes nothing when they did not', async () => {
    const workflowId = workflowOf(ENTITY_TYPE.smartInvoice, invoiceId);
    const before = await entityRunState(client(), workflowId);
    const mark = stack.emulator.calls.length;
    state().setProductRows('SI', invoiceId, invoiceRows(4));
    stack.emulator.userUpdatesItem(ENTITY_TYPE.smartInvoice, invoiceId, {}, MANAGER);

    await eventually(() => totalOf(invoiceId) === 711.93, 'the new total');
    await waitForEntityIdle(client(), workflowId, before.passes + 1);
    expect(helperWrites(mark).map((call) => call.method)).toEqual(['crm.item.update']);

    const unchangedMark = stack.emulator.calls.length;
    stack.emulator.userUpdatesItem(ENTITY_TYPE.smartInvoice, invoiceId, { title: 'Invoice for valves (renamed)' }, MANAGER);
    const after = await waitForEntityIdle(client(), workflowId, before.passes + 2);
    expect(after.passes).toBe(before.passes + 2);
    expect(callsSince(unchangedMark, isGetOf(ENTITY_TYPE.smartInvoice, invoiceId))).toHaveLength(1);
    expect(helperWrites(unchangedMark)).toHaveLength(0);
    expect(totalOf(invoiceId)).toBe(711.93);
  });
});

let dealId: number;

const elementsOf = (id: number) => state().listElements.filter((element) => element.CODE.startsWith(`deal-${id}-row-`));
const valueOf = (element: { FIELDS: Record<string, string | string[]> } | undefined, key: keyof ShipmentPropertyIds) =>
  element?.FIELDS[`PROPERTY_${propertyIds[key]}`];
const dealCall = (id: number) => (call: RecordedCall) => {
  const params = call.params as { filter?: Record<string, unknown>; FILTER?: Record<string, unknown> };
  if (call.method === 'crm.item.productrow.list') return params.filter?.['=ownerType'] === 'D' && Number(params.filter['=ownerId']) === id;
  // The deal's elements are read by its deal-id property; writes name the element codes.
  if (call.method === 'lists.element.get') return Number(params.FILTER?.[`=PROPERTY_${propertyIds.dealId}`]) === id;
  return JSON.stringify(call.params).includes(`deal-${id}-row-`);
};
/**
 * How many commands of each method the deal's passes sent since `mark`, alone or inside batches: how calls share
 * requests depends on what else waits for the portal at that moment (docs/rate-limits.md), what a pass sends does not.
 */
const dealCommands = (mark: number, id: number) => {
  const counts: Record<string, number> = {};
  for (const call of callsSince(mark, (candidate) => candidate.method !== 'batch' && dealCall(id)(candidate))) counts[call.method] = (counts[call.method] ?? 0) + 1;
  return counts;
};

function dealRows(count: number): Partial<ProductRow>[] {
  return Array.from({ length: count }, (_, index) => ({ productId: 500 + index, productName: `Pallet ${index}`, price: 20 + index, quantity: 1 + (index % 4), measureName: 'pcs' }));
}

describe('deal products → shipment list', () => {
  it('adds one list element per row of a new deal with 51 rows, in the fewest REST calls', async () => {
    const mark = stack.emulator.calls.length;
    const deal = stack.emulator.userAddsItem(ENTITY_TYPE.deal, { title: 'Shipment of pallets', assignedById: MANAGER }, MANAGER);
    dealId = Number(deal.id);
    state().setProductRows('D', dealId, dealRows(51));

    await waitForEntityIdle(client(), workflowOf(ENTITY_TYPE.deal, dealId), 1);
    const elements = elementsOf(dealId);
    expect(elements).toHaveLength(51);
    const rows = state().getProductRows('D', dealId);
    const first = elements.find((element) => element.CODE === `deal-${dealId}-row-${rows[0]?.id}`);
    expect(first?.IBLOCK_ID).toBe(String(shipmentIblockId));
    // Every property under its numeric id, as the list provisioning created holds them.
    expect(first?.FIELDS).toEqual({
      NAME: 'Pallet 0',
      [`PROPERTY_${propertyIds.dealId}`]: String(dealId),
      [`PROPERTY_${propertyIds.rowId}`]: String(rows[0]?.id),
      [`PROPERTY_${propertyIds.productId}`]: '500',
      [`PROPERTY_${propertyIds.quantity}`]: '1',
      [`PROPERTY_${propertyIds.price}`]: '20',
      [`PROPERTY_${propertyIds.measure}`]: 'pcs',
    });
    // Two pages of rows, one page of (no) elements, and 51 adds, which take two requests (a batch holds 50).
    expect(dealCommands(mark, dealId)).toEqual({ 'crm.item.productrow.list': 2, 'lists.element.get': 1, 'lists.element.add': 51 });
    expect(requestsSince(mark, (call) => JSON.stringify(call.params).includes(`deal-${dealId}-row-`) && call.method !== 'lists.element.get')).toHaveLength(2);
  });

  it('reflects 3 changed and 2 removed rows with one batch', async () => {
    const workflowId = workflowOf(ENTITY_TYPE.deal, dealId);
    const before = await entityRunState(client(), workflowId);
    const stored = state().getProductRows('D', dealId);
    const removed = stored.slice(0, 2).map((row) => row.id);
    const kept = stored.slice(2).map((row, index) => (index < 3 ? { ...row, quantity: row.quantity + 10 } : row));
    state().setProductRows('D', dealId, kept);
    const mark = stack.emulator.calls.length;
    stack.emulator.userUpdatesItem(ENTITY_TYPE.deal, dealId, { title: 'Shipment of pallets (revised)' }, MANAGER);

    await waitForEntityIdle(client(), workflowId, before.passes + 1);
    const elements = elementsOf(dealId);
    expect(elements).toHaveLength(49);
    for (const id of removed) expect(elements.some((element) => element.CODE === `deal-${dealId}-row-${id}`)).toBe(false);
    for (const row of kept) {
      const element = elements.find((candidate) => candidate.CODE === `deal-${dealId}-row-${row.id}`);
      expect(valueOf(element, 'quantity')).toBe(String(row.quantity));
      // An update replaces the whole element: every field was sent, so none was cleared.
      expect(Object.keys(element?.FIELDS ?? {})).toHaveLength(7);
      expect(valueOf(element, 'dealId')).toBe(String(dealId));
    }
    // One page of rows, two pages of elements, and 5 writes (3 updates, 2 deletes) in one batch.
    expect(dealCommands(mark, dealId)).toEqual({ 'crm.item.productrow.list': 1, 'lists.element.get': 2 });
    expect(requestsSince(mark, (call) => call.method === 'batch' && JSON.stringify(call.params).includes('lists.element.delete'))).toHaveLength(1);
    expect(callsSince(mark, (call) => call.inBatch === true && call.method.startsWith('lists.element.')).map((call) => call.method).sort()).toEqual([
      'lists.element.delete',
      'lists.element.delete',
      'lists.element.update',
      'lists.element.update',
      'lists.element.update',
    ]);
  });

  it('coalesces an update storm on the deal into one pass that finds nothing to change', async () => {
    const workflowId = workflowOf(ENTITY_TYPE.deal, dealId);
    const before = await entityRunState(client(), workflowId);
    const mark = stack.emulator.calls.length;
    await updateStorm(ENTITY_TYPE.deal, dealId, 10, 900);
    const after = await waitForEntityIdle(client(), workflowId, before.passes + 1);
    expect(after.passes).toBe(before.passes + 1);
    expect(dealCommands(mark, dealId)).toEqual({ 'crm.item.productrow.list': 1, 'lists.element.get': 1 });
  });

  it('removes every element of a deleted deal and ends its entity workflow', async () => {
    const mark = stack.emulator.calls.length;
    const response = await fetch(`${stack.emulator.webhookUrl(1)}crm.item.delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entityTypeId: ENTITY_TYPE.deal, id: dealId }),
    });
    expect(response.status).toBe(200);
    const result = await client().workflow.getHandle(workflowOf(ENTITY_TYPE.deal, dealId)).result();
    expect(result).toMatchObject({ deleted: true, failedPasses: 0 });
    expect(elementsOf(dealId)).toHaveLength(0);
    // One page of 49 elements read, 49 deletes; no product rows read for a deleted deal. Counted as commands: the read
    // may ride in a batch together with other calls to the portal (the offline drain's, say).
    const commands = callsSince(mark, (call) => dealCall(dealId)(call)).map((call) => call.method);
    expect(commands.filter((method) => method === 'lists.element.get')).toHaveLength(1);
    // Deletes name elements by id, not by the deal; every delete since the mark is this deal's (nothing else deletes).
    expect(callsSince(mark, (call) => call.method === 'lists.element.delete')).toHaveLength(49);
    expect(commands).not.toContain('crm.item.productrow.list');
    expect(requestsSince(mark, (call) => call.method === 'batch' && JSON.stringify(call.params).includes(`deal-${dealId}-row-`))).toEqual(['batch']);
  });

  it('re-creates nothing when an update of the deleted deal arrives late (no order guaranteed)', async () => {
    const workflowId = workflowOf(ENTITY_TYPE.deal, dealId);
    const mark = stack.emulator.calls.length;
    const late = await stack.emulator.fireEvent(`${stack.apiUrl}/bitrix24/events`, 'ONCRMDEALUPDATE', { FIELDS: { ID: dealId } });
    expect(late.status).toBe(200);
    // A fresh run (the last one ended with the delete) and one pass that finds no rows and no elements.
    const run = await waitForEntityIdle(client(), workflowId, 1);
    expect(run.passes).toBe(1);
    expect(elementsOf(dealId)).toHaveLength(0);
    expect(dealCommands(mark, dealId)).toEqual({ 'crm.item.productrow.list': 1, 'lists.element.get': 1 });
  });
});

describe('offline queue: events while the API is down', () => {
  it('processes what changed during the outage once, after the drain', async () => {
    const mark = stack.emulator.calls.length;
    const outageStart = state().clock.nowMs();
    const tasksBefore = state().tasks.length;
    const passesBefore = new Map<number, number>();
    for (const id of claimIds) passesBefore.set(id, (await entityRunState(client(), workflowOf(claimType.entityTypeId, id))).passes);
    await stack.api.stop();

    const claim = stack.emulator.userAddsItem(claimType.entityTypeId, { title: 'Filed during the outage', assignedById: MANAGER }, MANAGER);
    const claimId = Number(claim.id);
    state().setProductRows('SI', invoiceId, invoiceRows(5));
    stack.emulator.userUpdatesItem(ENTITY_TYPE.smartInvoice, invoiceId, {}, MANAGER);
    await stack.emulator.settleDeliveries();
    const lost = state().deliveries.filter((delivery) => delivery.kind === 'event' && delivery.at >= outageStart);
    expect(lost.length).toBeGreaterThanOrEqual(2);
    expect(lost.every((delivery) => delivery.status === null)).toBe(true);
    expect(claimNumberOf(claimId)).toBeUndefined();
    expect(state().offlineEvents.length).toBeGreaterThan(0);

    await stack.restartApi();
    // The notices of the outage were lost with it; Bitrix24's next one (sent when the queue gets another row) wakes the drain.
    const notice = await stack.emulator.fireEvent(`${stack.apiUrl}/bitrix24/events`, 'ONOFFLINEEVENT', {});
    expect(notice.status).toBe(200);

    const number = await eventually(() => claimNumberOf(claimId), 'the number of the claim filed during the outage', 60_000);
    expect(number).toBe(`CL-${claimYear(String(claim.createdTime))}-0022`);
    await eventually(() => totalOf(invoiceId) === 819.93, 'the invoice total changed during the outage');
    await eventually(() => state().offlineEvents.length === 0, 'an empty offline queue');
    await waitForEntityIdle(client(), workflowOf(claimType.entityTypeId, claimId), 1);
    await waitForEntityIdle(client(), workflowOf(ENTITY_TYPE.smartInvoice, invoiceId), 1);
    // Earlier changes were drained as they happened (their ONOFFLINEEVENT woke the drain): none was left for this one.
    for (const [id, passes] of passesBefore) expect((await entityRunState(client(), workflowOf(claimType.entityTypeId, id))).passes).toBe(passes);

    expect(tasksOf(claimId)).toHaveLength(1);
    expect(notificationsOf(claimId)).toHaveLength(1);
    expect(callsSince(mark, isUpdateOf(claimType.entityTypeId, claimId))).toHaveLength(1);
    expect(helperWrites(mark).map((call) => call.method)).toEqual(['crm.item.update']);
    // The queue also held every earlier change; re-reading them wrote nothing and created nothing.
    expect(state().tasks.length).toBe(tasksBefore + 1);
    expect(callsSince(mark, (call) => call.method === 'crm.item.update' && Number(call.params.entityTypeId) === claimType.entityTypeId)).toHaveLength(1);
    expect(callsSince(mark, (call) => call.method === 'im.notify.system.add')).toHaveLength(1);
  }, 180_000);
});
