import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_CREDIT_LIMIT } from '../../contracts/robot-declarations.js';
import { OUTCOMES, SA_OUTCOME } from '../../contracts/search-attributes.js';
import { eventTokenKey, robotWorkflowId } from '../../contracts/workflow-ids.js';
import { createDataConverter } from '../../lib/data-converter.js';
import type { Stack } from '../support/stack.js';
import { eventSendsFor, startFaultStack, waitFor, waitForProvisioning } from './support/fault-stack.js';
import { startOwnDevServer, type OwnDevServer } from './support/own-dev-server.js';

let server: OwnDevServer;
let stack: Stack;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  server = await startOwnDevServer();
  // The worker and the API talk to the dev server this test controls (the stack's own stays idle).
  stack = await startFaultStack({
    awaitProvisioning: false,
    env: { TEMPORAL_ADDRESS: server.address, CREDIT_WAIT_SECONDS: '120', CREDIT_RETRY_INTERVAL_SECONDS: '2' },
  });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: server.namespace, dataConverter: createDataConverter(String(stack.env.PAYLOAD_CODEC_KEY)) });
  await waitForProvisioning(client, stack.emulator.memberId);
});

afterAll(async () => {
  await connection?.close();
  await stack?.stop();
  await server?.dispose();
});

describe('the Temporal dev server stopped and restarted on its database file during the credit wait', () => {
  // SIGTERM is an orderly stop; SIGKILL leaves only what SQLite had committed when the server acknowledged it.
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
    const workflowId = robotWorkflowId(stack.emulator.memberId, CHECK_CREDIT_LIMIT.code, eventTokenKey(fired.eventToken));
    const financeCalls = () => stack.finance.calls.filter((call) => call.companyId === companyId).length;
    // Two refused attempts: the run is inside its wait, between retries on durable timers.
    await waitFor(() => financeCalls() >= 2, 'two attempts against the finance system in maintenance');
    expect(stack.finance.calls.filter((call) => call.companyId === companyId).every((call) => call.status === 503)).toBe(true);

    const before = await client.workflow.getHandle(workflowId).describe();
    await server.stop(signal);
    const callsWhileDown = financeCalls();
    // While Temporal is down nothing is acknowledged: the ingress answers 503 (after its 2 s deadline, longer than
    // the retry interval, so a timer of the waiting run falls due during the outage).
    const refused = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, {
      code: CHECK_CREDIT_LIMIT.code,
      properties: { company_id: '2', amount: '1' },
    });
    expect(refused.status).toBe(503);
    await server.start();
    stack.finance.setMaintenance(false);

    const result = await client.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ delivered: true, returnValues: { available_limit: availableLimit, approval_required: false } });
    const described = await client.workflow.getHandle(workflowId).describe();
    expect(described.typedSearchAttributes.get(SA_OUTCOME)).toBe(OUTCOMES.completed);
    // The answer came from an attempt made after the restart, on the same run.
    expect(financeCalls()).toBeGreaterThan(callsWhileDown);
    expect(described.runId).toBe(before.runId);
    const refusedId = robotWorkflowId(stack.emulator.memberId, CHECK_CREDIT_LIMIT.code, eventTokenKey(refused.eventToken));
    expect((await client.workflow.count(`WorkflowId = '${refusedId}'`)).count).toBe(0);
    expect(eventSendsFor(stack.emulator, fired.eventToken)).toHaveLength(1);
    expect(stack.emulator.robotResult(fired.eventToken)?.lateSends).toEqual([]);
  });
});
