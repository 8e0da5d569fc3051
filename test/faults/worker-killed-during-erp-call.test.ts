import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../support/stack.js';
import { erpOrderUnderWay, expectOneOrderAnsweredOnce, startFaultStack } from './support/fault-stack.js';

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
    const order = await erpOrderUnderWay(stack);
    const killed = stack.worker;
    await killed.kill();
    expect(killed.child.signalCode).toBe('SIGKILL');
    await stack.restartWorker();

    // The ERP goes on and creates the order; its answer went nowhere. The retried activity must find it, not re-create it.
    await expectOneOrderAnsweredOnce(stack, stack.temporal.client, order);
  });
});
