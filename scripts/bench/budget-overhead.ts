import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { createBitrix24Client } from '../../integrations/bitrix24/client.js';
import { createSharedRequestBudget } from '../../integrations/bitrix24/shared-budget.js';
import { createTemporalBudgetHolder } from '../../lib/portals/temporal-budget.js';
import { createTemporalPortalStore } from '../../lib/portals/temporal-store.js';
import type { Stack } from '../../test/support/stack.js';
import { drainMs, quietPortal } from './portal-quiet.js';
import { REAL_RATE_LIMIT } from './robot-storm.js';
import { percentile, type BenchRow } from './stats.js';

/**
 * What the shared budget costs a lone call: `server.time` one call at a time through two clients built like the
 * worker's, one with this process's own bucket and one taking each slot from the portal's budget workflow (one
 * Update), interleaved so both see the same machine. The portal starts with an empty bucket; `calls` per client stay
 * within the burst.
 */
export async function budgetOverhead(stack: Stack, calls = 20): Promise<BenchRow[]> {
  const taskQueue = stack.env.TEMPORAL_TASK_QUEUE ?? '';
  const store = createTemporalPortalStore({ client: stack.temporal.client, taskQueue });
  const holder = createTemporalBudgetHolder({ client: stack.temporal.client, taskQueue });
  const common = { store, rateLimit: REAL_RATE_LIMIT, logger: pino({ level: 'silent' }) };
  const local = createBitrix24Client(common);
  const shared = createBitrix24Client({
    ...common,
    requestBudget: (ownBucket) => createSharedRequestBudget({ holder, fallback: ownBucket, rateLimit: REAL_RATE_LIMIT }),
  });
  const memberId = stack.emulator.memberId;
  const time = async (client: typeof local) => {
    const started = performance.now();
    await client.call(memberId, 'server.time');
    return performance.now() - started;
  };
  try {
    await quietPortal(stack, drainMs(REAL_RATE_LIMIT));
    // Warm both paths: credentials cached, the budget workflow started and cached on a worker.
    await time(local);
    await time(shared);
    const own: number[] = [];
    const viaHolder: number[] = [];
    for (let index = 0; index < calls; index += 1) {
      own.push(await time(local));
      viaHolder.push(await time(shared));
    }
    const name = `lone call (server.time), ${calls} each, interleaved`;
    const ownP50 = percentile(own, 50);
    const sharedP50 = percentile(viaHolder, 50);
    return [
      { benchmark: name, figure: "p50, this process's bucket", value: `${ownP50.toFixed(1)} ms` },
      { benchmark: name, figure: 'p50, shared budget (one Update per request)', value: `${sharedP50.toFixed(1)} ms` },
      { benchmark: name, figure: 'p99, shared budget', value: `${percentile(viaHolder, 99).toFixed(1)} ms` },
      { benchmark: name, figure: 'shared budget overhead (p50)', value: `${(sharedP50 - ownP50).toFixed(1)} ms` },
    ];
  } finally {
    await Promise.all([local.close(), shared.close()]);
  }
}
