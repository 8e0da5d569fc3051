import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erpOrderUnderWay, expectOneOrderAnsweredOnce } from '../faults/support/fault-stack.js';
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
    const order = await erpOrderUnderWay(stack);
    // The server knows which worker holds the open attempt.
    const pending = (await stack.client.workflow.getHandle(order.workflowId).describe()).raw.pendingActivities ?? [];
    const placing = stack.workerByIdentity(pending.find((activity) => activity.activityType?.name === 'createErpOrder')?.lastWorkerIdentity);
    expect(placing, 'a worker of the stack holds the createErpOrder attempt').toBeDefined();
    const survivor = stack.workers.find((worker) => worker !== placing);
    await placing?.kill();
    expect(placing?.child.signalCode).toBe('SIGKILL');

    // Nobody restarts the killed worker: after the heartbeat timeout the survivor retries, finds the order the ERP
    // created for the lost answer, and finishes.
    await expectOneOrderAnsweredOnce(stack, stack.client, order);

    const [attempt] = await activityAttempts(stack.client, order.workflowId, 'createErpOrder');
    expect(attempt?.attempt).toBeGreaterThan(1);
    expect(stack.workerByIdentity(attempt?.identity)).toBe(survivor);
  });
});
