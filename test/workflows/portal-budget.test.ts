import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { budgetTaskQueue, portalBudgetWorkflowId } from '../../contracts/workflow-ids.js';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { createBitrix24Client, type Bitrix24Client } from '../../integrations/bitrix24/client.js';
import { createSharedRequestBudget, type SharedRequestBudget } from '../../integrations/bitrix24/shared-budget.js';
import { createTemporalBudgetHolder } from '../../lib/portals/temporal-budget.js';
import { installedPortalStore } from '../support/emulator-credentials.js';
import type { MemoryPortalStore } from '../support/memory-portal-store.js';
import { keepForReplay, replayDataConverter } from '../support/replay-histories.js';
import { createLocalEnv } from '../support/temporal-binaries.js';
import { createTestWorker, uniqueTaskQueue } from '../support/workflow-bundle.js';

// Bitrix24's 2/s burst 50 scaled so the test takes seconds: the budget keeps its margin (2 s of drain) and reserve.
const LIMITS = { perSecond: 5, burst: 25 };
const CALLS_PER_CLIENT = 20;

// Its runs are kept as replay fixtures, so the payloads use the fixtures' key.
const dataConverter = replayDataConverter();
let env: TestWorkflowEnvironment;
let emulator: Bitrix24Emulator;
let store: MemoryPortalStore;
let worker: Worker;
let workerRun: Promise<void>;
let taskQueue: string;
const clients: Bitrix24Client[] = [];

beforeAll(async () => {
  env = await createLocalEnv({ dataConverter });
  emulator = await startBitrix24Emulator({ rateLimit: LIMITS });
  store = await installedPortalStore(emulator);
  taskQueue = uniqueTaskQueue('budget');
  worker = await createTestWorker(env, {
    taskQueue: budgetTaskQueue(taskQueue),
    dataConverter,
  });
  workerRun = worker.run();
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  worker?.shutdown();
  await workerRun;
  await emulator?.close();
  await env?.teardown();
});

beforeEach(async () => {
  // Every test starts from an empty portal bucket.
  await new Promise((resolve) => setTimeout(resolve, (LIMITS.burst / LIMITS.perSecond) * 1000));
  emulator.resetRequestCounts();
});

/** A client as one worker process builds it; `shared` takes its slots from the portal's budget workflow. */
function workerClient(shared: boolean): { client: Bitrix24Client; budget?: SharedRequestBudget } {
  let budget: SharedRequestBudget | undefined;
  const holder = createTemporalBudgetHolder({ client: env.client, taskQueue });
  const client = createBitrix24Client({
    store,
    rateLimit: LIMITS,
    // Any 503 fails the call instead of being retried away.
    queryLimitRetries: 0,
    logger: pino({ level: 'silent' }),
    ...(shared
      ? { requestBudget: (ownBucket) => (budget = createSharedRequestBudget({ holder, fallback: ownBucket, rateLimit: LIMITS })) }
      : {}),
  });
  clients.push(client);
  return budget === undefined ? { client } : { client, budget };
}

async function storm(client: Bitrix24Client): Promise<PromiseSettledResult<unknown>[]> {
  return Promise.allSettled(Array.from({ length: CALLS_PER_CLIENT }, () => client.call(emulator.memberId, 'server.time')));
}

describe('request budget shared by two worker clients through the portal budget workflow', () => {
  it('keeps two clients together within the portal limit: every call answered, no 503', async () => {
    const first = workerClient(true);
    const second = workerClient(true);
    const outcomes = (await Promise.all([storm(first.client), storm(second.client)])).flat();
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(emulator.requestCounts()).toEqual({ restRequests: 2 * CALLS_PER_CLIENT, queryLimitRejections: 0 });
    // Both took their slots from the holder, none from their own bucket.
    for (const { budget } of [first, second]) expect(budget?.counters()).toMatchObject({ grants: CALLS_PER_CLIENT, fallbacks: 0 });
    await keepForReplay(env.client.workflow.getHandle(portalBudgetWorkflowId(emulator.memberId)), expect.getState().currentTestName);
  }, 60_000);

  it('without it, two clients each spending a full bucket of their own meet QUERY_LIMIT_EXCEEDED', async () => {
    const outcomes = (await Promise.all([storm(workerClient(false).client), storm(workerClient(false).client)])).flat();
    expect(emulator.requestCounts().queryLimitRejections).toBeGreaterThan(0);
    expect(outcomes.some((outcome) => outcome.status === 'rejected')).toBe(true);
  }, 60_000);
});
