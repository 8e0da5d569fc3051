import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erpOrderExternalId } from '../../contracts/erp-order.js';
import { ERP_CREATE_ORDER } from '../../contracts/robot-declarations.js';
import type { Stack } from '../support/stack.js';
import { eventSendsFor, robotRunFinished, seedDealWithRows, startFaultStack, waitFor } from './support/fault-stack.js';

let stack: Stack;

beforeAll(async () => {
  // Long enough to kill the worker while the SOAP call is open; the seed ERP takes 30–40 s.
  stack = await startFaultStack({ erpLatencyMs: 5_000 });
});

afterAll(async () => {
  await stack?.stop();
});

describe('the worker killed with SIGKILL in the middle of the ERP call', () => {
  it('after a restart places exactly one order and sends exactly one bizproc.event.send', async () => {
    const dealId = seedDealWithRows(stack.emulator, 3);
    const externalId = erpOrderExternalId(stack.emulator.memberId, dealId);
    const createCalls = () => stack.erp.calls.filter((call) => call.operation === 'CreateOrder' && call.externalId === externalId);
    const fired = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, {
      code: ERP_CREATE_ORDER.code,
      documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${dealId}`],
    });
    expect(fired.status).toBe(200);

    await waitFor(() => createCalls().length > 0, 'CreateOrder to reach the ERP');
    const killed = stack.worker;
    await killed.kill();
    expect(killed.child.signalCode).toBe('SIGKILL');
    await stack.restartWorker();

    // The ERP goes on and creates the order; its answer went nowhere. The retried activity must find it, not re-create it.
    await robotRunFinished(stack.temporal.client, stack.emulator.memberId, ERP_CREATE_ORDER.code, fired.eventToken);
    const invocation = await stack.emulator.waitForRobotCompletion(fired.eventToken, 1_000);
    const orderNumber = stack.erp.orders.get(externalId)?.orderNumber;
    expect(orderNumber).toMatch(/^ERP-/);
    expect(invocation.returnValues?.erp_order_id).toBe(orderNumber);
    expect(createCalls()).toHaveLength(1);
    expect(createCalls()[0]?.clientDisconnected).toBe(true);
    expect(stack.erp.calls.some((call) => call.operation === 'FindOrderByExternalId' && call.externalId === externalId)).toBe(true);
    expect(eventSendsFor(stack.emulator, fired.eventToken)).toHaveLength(1);
    expect(invocation.lateSends).toEqual([]);
  });
});
