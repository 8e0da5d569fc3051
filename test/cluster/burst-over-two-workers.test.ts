import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { startClusterStack, type ClusterStack } from './support/cluster-stack.js';
import { activityAttempts } from './support/history-identities.js';

const BURST = 40;
/** The 1C simulator's demo catalogue, as the price robot reports it. */
const ARTICLES = [
  { article: 'SKU-001', price: 1250.5, available: true },
  { article: 'SKU-002', price: 99.9, available: false },
  { article: 'SKU-003', price: 15400, available: true },
] as const;

let stack: ClusterStack;

beforeAll(async () => {
  stack = await startClusterStack();
});

afterAll(async () => {
  await stack?.stop();
});

describe('a burst of robot calls on the Temporal cluster with two workers', () => {
  it(`answers all ${BURST} calls, and both workers run a share of them`, async () => {
    const handlerUrl = `${stack.apiUrl}/bitrix24/bizproc`;
    const fired = await Promise.all(
      Array.from({ length: BURST }, (_, index) =>
        stack.emulator.fireRobot(handlerUrl, {
          code: GET_1C_PRICE.code,
          documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${100 + index}`],
          properties: { article: ARTICLES[index % ARTICLES.length]?.article },
        }),
      ),
    );
    expect(fired.map((call) => call.status)).toEqual(Array.from({ length: BURST }, () => 200));

    const invocations = await Promise.all(fired.map((call) => stack.emulator.waitForRobotCompletion(call.eventToken, 180_000)));
    invocations.forEach((invocation, index) => {
      const { price, available } = ARTICLES[index % ARTICLES.length]!;
      expect(invocation.status).toBe('completed');
      expect(invocation.returnValues).toMatchObject({ price, available });
    });

    const runsPerWorker = new Map(stack.workers.map((worker) => [worker.name, 0]));
    for (const call of fired) {
      const workflowId = (call.body as { workflowId: string }).workflowId;
      // Bitrix24 has the answer before the run ends: the same activity still writes the timeline line.
      await stack.client.workflow.getHandle(workflowId).result();
      const attempts = await activityAttempts(stack.client, workflowId);
      expect(attempts.length).toBeGreaterThan(0);
      const workers = new Set(attempts.map(({ identity }) => stack.workerByIdentity(identity)?.name ?? `unknown worker ${identity}`));
      for (const name of workers) runsPerWorker.set(name, (runsPerWorker.get(name) ?? 0) + 1);
    }
    process.stderr.write(`[cluster] runs with activities per worker: ${JSON.stringify(Object.fromEntries(runsPerWorker))}\n`);
    // Only our two workers did the work, and each did some.
    expect([...runsPerWorker.keys()].sort()).toEqual(stack.workers.map((worker) => worker.name).sort());
    for (const worker of stack.workers) expect(runsPerWorker.get(worker.name), worker.name).toBeGreaterThan(0);
  });
});
