import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_CREDIT_LIMIT } from '../../contracts/robot-declarations.js';
import { OUTCOMES, SA_OUTCOME } from '../../contracts/search-attributes.js';
import { eventSendsFor, waitFor } from '../faults/support/fault-stack.js';
import { startClusterStack, type ClusterStack } from './support/cluster-stack.js';

let stack: ClusterStack;

beforeAll(async () => {
  // The 30-minute wait shortened to 3 minutes, retried every 2 s: long enough for an outage of the server.
  stack = await startClusterStack({ env: { CREDIT_WAIT_SECONDS: '180', CREDIT_RETRY_INTERVAL_SECONDS: '2' } });
});

afterAll(async () => {
  await stack?.stop();
});

describe('the Temporal server stopped and started again on PostgreSQL during the credit wait', () => {
  // SIGTERM is an orderly stop; SIGKILL leaves only what PostgreSQL had committed when the server acknowledged it.
  it.each([
    { signal: 'SIGTERM' as const, companyId: '1', availableLimit: 3_800_000 },
    { signal: 'SIGKILL' as const, companyId: '4', availableLimit: 210_000 },
  ])('($signal) lets the waiting credit check finish with the figures, with one bizproc.event.send', async ({ signal, companyId, availableLimit }) => {
    stack.finance.setMaintenance(true);
    const fired = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, {
      code: CHECK_CREDIT_LIMIT.code,
      properties: { company_id: companyId, amount: '1000', currency: 'RUB' },
    });
    expect(fired.status).toBe(200);
    const handle = stack.client.workflow.getHandle((fired.body as { workflowId: string }).workflowId);
    const financeCalls = () => stack.finance.calls.filter((call) => call.companyId === companyId).length;
    // Two refused attempts: the run is inside its wait, between retries on durable timers.
    await waitFor(() => financeCalls() >= 2, 'two attempts against the finance system in maintenance');
    const before = await handle.describe();

    await stack.cluster.server.stop(signal);
    const callsWhileDown = financeCalls();
    // While Temporal is down nothing is acknowledged: the ingress answers 503 (after its 2 s deadline, longer than
    // the retry interval, so a timer of the waiting run falls due during the outage).
    const refused = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, {
      code: CHECK_CREDIT_LIMIT.code,
      properties: { company_id: '2', amount: '1' },
    });
    expect(refused.status).toBe(503);
    await stack.cluster.startServer();
    stack.finance.setMaintenance(false);

    const result = await handle.result();
    expect(result).toMatchObject({ delivered: true, returnValues: { available_limit: availableLimit, approval_required: false } });
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(SA_OUTCOME)).toBe(OUTCOMES.completed);
    // The answer came from an attempt made after the restart, on the same run.
    expect(financeCalls()).toBeGreaterThan(callsWhileDown);
    expect(described.runId).toBe(before.runId);
    expect(stack.emulator.robotResult(refused.eventToken)?.status).toBe('waiting');
    expect(eventSendsFor(stack.emulator, fired.eventToken)).toHaveLength(1);
    expect(stack.emulator.robotResult(fired.eventToken)?.lateSends).toEqual([]);
  });
});
