import type { Client } from '@temporalio/client';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'vitest';
import { ENTITY_TYPE } from '../../../contracts/documents.js';
import { erpOrderExternalId } from '../../../contracts/erp-order.js';
import { ERP_CREATE_ORDER } from '../../../contracts/robot-declarations.js';
import { eventTokenKey, provisionWorkflowId, robotWorkflowId } from '../../../contracts/workflow-ids.js';
import type { Bitrix24Emulator, RecordedCall } from '../../../emulators/bitrix24/index.js';
import { freePort, startStack, type Stack, type StackOptions } from '../../support/stack.js';

/**
 * startStack with what every fault test needs: free ports for the worker's two metrics endpoints (two stacks run at
 * once), and provisioning (which also creates the shipment list) finished before the test starts.
 */
export async function startFaultStack(options: StackOptions & { awaitProvisioning?: boolean } = {}): Promise<Stack> {
  const env: NodeJS.ProcessEnv = {
    WORKER_METRICS_PORT: String(await freePort()),
    TEMPORAL_SDK_METRICS_PORT: String(await freePort()),
    ...options.env,
  };
  const stack = await startStack({ ...options, env });
  if (options.install !== false && options.awaitProvisioning !== false) await waitForProvisioning(stack.temporal.client, stack.emulator.memberId);
  return stack;
}

export async function waitForProvisioning(client: Client, memberId: string): Promise<void> {
  await client.workflow.getHandle(provisionWorkflowId(memberId)).result();
}

/** Polls until `probe` returns something truthy (state a process reaches in another process); fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(100);
  }
}

/**
 * Waits until the robot call's workflow has finished (so no further send can come) and returns its result. The
 * emulator marks the invocation complete a moment before it records the REST call, so tests count sends after this.
 */
export async function robotRunFinished(client: Client, memberId: string, robotCode: string, eventToken: string): Promise<unknown> {
  return client.workflow.getHandle(robotWorkflowId(memberId, robotCode, eventTokenKey(eventToken))).result();
}

/** Accepted bizproc.event.send calls for one robot call. */
export function eventSendsFor(emulator: Bitrix24Emulator, eventToken: string): RecordedCall[] {
  return emulator.callsTo('bizproc.event.send').filter((call) => call.status === 200 && call.params.EVENT_TOKEN === eventToken);
}

/** One deal-products pass reads the deal's product rows once: counting those reads counts the passes. */
export function passesForDeal(emulator: Bitrix24Emulator, dealId: number): number {
  return emulator.callsTo('crm.item.productrow.list').filter((call) => {
    const filter = call.params.filter as Record<string, unknown> | undefined;
    return call.status === 200 && String(filter?.['=ownerId']) === String(dealId);
  }).length;
}

export function shipmentElementsOf(emulator: Bitrix24Emulator, dealId: number): number {
  return emulator.state.listElements.filter((element) => element.CODE.startsWith(`deal-${dealId}-row-`)).length;
}

/**
 * A deal with three product rows and an ERP_CREATE_ORDER call for it, accepted by the API; resolves once the ERP has
 * the order's CreateOrder call open (the moment the worker tests kill a worker). `createCalls` reads them again later.
 */
export async function erpOrderUnderWay(stack: Pick<Stack, 'emulator' | 'erp' | 'apiUrl'>) {
  const dealId = seedDealWithRows(stack.emulator, 3);
  const externalId = erpOrderExternalId(stack.emulator.memberId, dealId);
  const createCalls = () => stack.erp.calls.filter((call) => call.operation === 'CreateOrder' && call.externalId === externalId);
  const fired = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, {
    code: ERP_CREATE_ORDER.code,
    documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${dealId}`],
  });
  expect(fired.status).toBe(200);
  await waitFor(() => createCalls().length > 0, 'CreateOrder to reach the ERP');
  return { externalId, createCalls, eventToken: fired.eventToken, workflowId: (fired.body as { workflowId: string }).workflowId };
}

/**
 * What a worker killed during the ERP call must leave: the order created once (the killed attempt's call, whose answer
 * went nowhere), found by the retried attempt instead of created again, its number returned to Bitrix24 by exactly one
 * bizproc.event.send.
 */
export async function expectOneOrderAnsweredOnce(
  stack: Pick<Stack, 'emulator' | 'erp'>,
  client: Client,
  order: Awaited<ReturnType<typeof erpOrderUnderWay>>,
): Promise<void> {
  const { externalId, createCalls, eventToken } = order;
  await robotRunFinished(client, stack.emulator.memberId, ERP_CREATE_ORDER.code, eventToken);
  const invocation = await stack.emulator.waitForRobotCompletion(eventToken, 1_000);
  const orderNumber = stack.erp.orders.get(externalId)?.orderNumber;
  expect(orderNumber).toMatch(/^ERP-/);
  expect(invocation.returnValues?.erp_order_id).toBe(orderNumber);
  expect([...stack.erp.orders.keys()]).toEqual([externalId]);
  expect(createCalls()).toHaveLength(1);
  expect(createCalls()[0]?.clientDisconnected).toBe(true);
  expect(stack.erp.calls.some((call) => call.operation === 'FindOrderByExternalId' && call.externalId === externalId)).toBe(true);
  expect(eventSendsFor(stack.emulator, eventToken)).toHaveLength(1);
  expect(invocation.lateSends).toEqual([]);
}

/** A deal with product rows, seeded without events (setup, not a user action). */
export function seedDealWithRows(emulator: Bitrix24Emulator, rows: number, fields: Record<string, unknown> = {}): number {
  const deal = emulator.state.addItem(ENTITY_TYPE.deal, { title: 'Fault test deal', opportunity: 100, currencyId: 'RUB', assignedById: 3, ...fields });
  emulator.state.setProductRows(
    'D',
    deal.id,
    Array.from({ length: rows }, (_, index) => ({ productId: 100 + index, productName: `Part ${index}`, price: 10 + index, quantity: 2 })),
  );
  return deal.id;
}
