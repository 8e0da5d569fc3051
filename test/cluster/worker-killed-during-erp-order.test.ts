import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erpOrderExternalId } from '../../contracts/erp-order.js';
import { ERP_CREATE_ORDER } from '../../contracts/robot-declarations.js';
import { eventSendsFor, robotRunFinished, seedDealWithRows, waitFor } from '../faults/support/fault-stack.js';
import { startClusterStack, type ClusterStack } from './support/cluster-stack.js';
import { activityAttempts } from './support/history-identities.js';

let stack: ClusterStack;

beforeAll(async () => {
  // Long enough to kill the worker while the SOAP call is open; the seed ERP takes 30–40 s.
  stack = await startClusterStack({ erpLatencyMs: 8_000 });
});

afterAll(async () => {
  await stack?.stop();
});

describe('one of two workers killed with SIGKILL in the middle of an ERP order', () => {
  it('the other worker finishes the run, with exactly one order in the ERP and one bizproc.event.send', async () => {
    const dealId = seedDealWithRows(stack.emulator, 3);
    const externalId = erpOrderExternalId(stack.emulator.memberId, dealId);
    const createCalls = () => stack.erp.calls.filter((call) => call.operation === 'CreateOrder' && call.externalId === externalId);
    const fired = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, {
      code: ERP_CREATE_ORDER.code,
      documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${dealId}`],
    });
    expect(fired.status).toBe(200);
    const workflowId = (fired.body as { workflowId: string }).workflowId;

    await waitFor(() => createCalls().length > 0, 'CreateOrder to reach the ERP');
    // The server knows which worker holds the open attempt.
    const pending = (await stack.client.workflow.getHandle(workflowId).describe()).raw.pendingActivities ?? [];
    const placing = stack.workerByIdentity(pending.find((activity) => activity.activityType?.name === 'createErpOrder')?.lastWorkerIdentity);
    expect(placing, 'a worker of the stack holds the createErpOrder attempt').toBeDefined();
    const survivor = stack.workers.find((worker) => worker !== placing);
    await placing?.kill();
    expect(placing?.child.signalCode).toBe('SIGKILL');

    // Nobody restarts the killed worker: after the heartbeat timeout the survivor retries, finds the order the ERP
    // created for the lost answer, and finishes.
    await robotRunFinished(stack.client, stack.emulator.memberId, ERP_CREATE_ORDER.code, fired.eventToken);
    const invocation = await stack.emulator.waitForRobotCompletion(fired.eventToken, 1_000);
    const orderNumber = stack.erp.orders.get(externalId)?.orderNumber;
    expect(orderNumber).toMatch(/^ERP-/);
    expect(invocation.returnValues?.erp_order_id).toBe(orderNumber);
    expect([...stack.erp.orders.keys()]).toEqual([externalId]);
    expect(createCalls()).toHaveLength(1);
    expect(createCalls()[0]?.clientDisconnected).toBe(true);
    expect(stack.erp.calls.some((call) => call.operation === 'FindOrderByExternalId' && call.externalId === externalId)).toBe(true);

    const [attempt] = await activityAttempts(stack.client, workflowId, 'createErpOrder');
    expect(attempt?.attempt).toBeGreaterThan(1);
    expect(stack.workerByIdentity(attempt?.identity)).toBe(survivor);
    expect(eventSendsFor(stack.emulator, fired.eventToken)).toHaveLength(1);
    expect(invocation.lateSends).toEqual([]);
  });
});
