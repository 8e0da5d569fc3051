import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { historyText } from '../support/history-text.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let handlerUrl: string;

beforeAll(async () => {
  stack = await startStack();
  handlerUrl = `${stack.apiUrl}/bitrix24/bizproc`;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function countRuns(query: string): Promise<number> {
  // Visibility is eventually consistent: wait briefly for the count to settle.
  let count = -1;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const next = (await stack.temporal.client.workflow.count(query)).count;
    if (next === count) return count;
    count = next;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return count;
}

describe('GET_1C_PRICE end to end: emulator → API → Temporal → worker → emulator', () => {
  it('answers the BP activity with price and availability through bizproc.event.send', async () => {
    const fired = await stack.emulator.fireRobot(handlerUrl, {
      code: GET_1C_PRICE.code,
      documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_7'],
      properties: { article: 'SKU-001' },
    });
    expect(fired.status).toBe(200);
    expect(fired.body).toMatchObject({ status: 'accepted' });
    const invocation = await stack.emulator.waitForRobotCompletion(fired.eventToken, 30_000);
    expect(invocation.status).toBe('completed');
    expect(invocation.returnValues).toMatchObject({ price: 1250.5, available: true });
  });

  it('answers an unknown SKU with available=false, price=0 and a log message', async () => {
    const fired = await stack.emulator.fireRobot(handlerUrl, { code: GET_1C_PRICE.code, properties: { article: 'NOPE-404' } });
    const invocation = await stack.emulator.waitForRobotCompletion(fired.eventToken, 30_000);
    expect(invocation.returnValues).toMatchObject({ price: 0, available: false });
    expect(invocation.logMessages.join('\n')).toMatch(/NOPE-404 is not known in 1C/);
  });

  it('starts one workflow and sends one event for the same call delivered five times', async () => {
    const first = await stack.emulator.fireRobot(handlerUrl, { code: GET_1C_PRICE.code, properties: { article: 'SKU-003' } });
    const repeats = await Promise.all(
      Array.from({ length: 4 }, () =>
        stack.emulator.fireRobot(handlerUrl, { code: GET_1C_PRICE.code, properties: { article: 'SKU-003' }, eventToken: first.eventToken }),
      ),
    );
    const workflowIds = new Set([first, ...repeats].map((outcome) => (outcome.body as { workflowId: string }).workflowId));
    expect([first, ...repeats].map((outcome) => outcome.status)).toEqual([200, 200, 200, 200, 200]);
    expect(workflowIds.size).toBe(1);
    const [workflowId] = [...workflowIds];
    await stack.emulator.waitForRobotCompletion(first.eventToken, 30_000);
    await stack.temporal.client.workflow.getHandle(workflowId!).result();
    expect(await countRuns(`WorkflowId = '${workflowId}'`)).toBe(1);
    const sends = stack.emulator.callsTo('bizproc.event.send').filter((call) => JSON.stringify(call.params).includes(first.eventToken));
    expect(sends).toHaveLength(1);
  });

  it('refuses a call with the wrong application_token with 401 and starts nothing', async () => {
    const before = await countRuns(`B24Process = '${GET_1C_PRICE.process}'`);
    const fired = await stack.emulator.fireRobot(handlerUrl, {
      code: GET_1C_PRICE.code,
      properties: { article: 'SKU-001' },
      applicationToken: 'not-the-portal-token',
    });
    expect(fired.status).toBe(401);
    expect(await countRuns(`B24Process = '${GET_1C_PRICE.process}'`)).toBe(before);
    expect(stack.emulator.robotResult(fired.eventToken)?.status).toBe('waiting');
  });

  it('refreshes the portal token exactly once when 20 concurrent runs hit expired_token', async () => {
    const refreshesBefore = stack.emulator.refreshCount();
    stack.emulator.expireAccessTokens();
    const fired = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        stack.emulator.fireRobot(handlerUrl, { code: GET_1C_PRICE.code, properties: { article: index % 2 ? 'SKU-001' : 'SKU-002' } }),
      ),
    );
    expect(fired.every((outcome) => outcome.status === 200)).toBe(true);
    const invocations = await Promise.all(fired.map((outcome) => stack.emulator.waitForRobotCompletion(outcome.eventToken, 60_000)));
    expect(invocations.every((invocation) => invocation.status === 'completed')).toBe(true);
    expect(stack.emulator.refreshCount() - refreshesBefore).toBe(1);
  });

  it('keeps every token out of workflow histories and service logs', async () => {
    const secrets = stack.secrets();
    expect(secrets.length).toBeGreaterThan(3);
    const raw = stack.temporal.connection.workflowService;
    const executions = await raw.listWorkflowExecutions({ namespace: stack.temporal.namespace ?? 'default', pageSize: 200 });
    expect(executions.executions.length).toBeGreaterThan(5);
    for (const execution of executions.executions) {
      const history = await raw.getWorkflowExecutionHistory({ namespace: stack.temporal.namespace ?? 'default', execution: execution.execution });
      // The raw (undecoded) history is what the database and the Web UI hold.
      const text = historyText(history.history);
      // Positive control: payload bytes are readable here, and they are the codec's ciphertext.
      expect(text).toContain('binary/encrypted');
      for (const secret of secrets) expect(text.includes(secret), `a secret in ${execution.execution?.workflowId}`).toBe(false);
    }
    const logs = [...stack.api.lines, ...stack.worker.lines].join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(logs.includes(secret)).toBe(false);
  });
});
