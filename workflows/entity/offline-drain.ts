import { proxyActivities, uuid4 } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { OfflineDrainInput, OfflineDrainResult } from '../../contracts/offline-drain.js';

const DEFAULT_MAX_BATCHES = 20;
const DEFAULT_BATCH_SIZE = 50;

const { drainOfflineBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  // The next scheduled run starts over; the reservation (process_id) keeps unconfirmed records for 30 days.
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['Config.MissingTemporalClient'] },
});

/**
 * Drains one portal's offline event queue into the entity workflows (DESIGN.md decision 8), run by the portal's
 * Schedule. Each batch is reserved under its own process id, routed, then confirmed; a short batch means the queue
 * is empty.
 */
export async function offlineDrainWorkflow(input: OfflineDrainInput): Promise<OfflineDrainResult> {
  const maxBatches = input.maxBatches ?? DEFAULT_MAX_BATCHES;
  const limit = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const total: OfflineDrainResult = { batches: 0, fetched: 0, routed: 0, ignored: 0, failed: 0 };
  while (total.batches < maxBatches) {
    const batch = await drainOfflineBatch({ memberId: input.memberId, processId: uuid4().replace(/-/g, ''), limit });
    total.batches += 1;
    total.fetched += batch.fetched;
    total.routed += batch.routed;
    total.ignored += batch.ignored;
    total.failed += batch.failed;
    if (batch.fetched < limit) break;
  }
  return total;
}
