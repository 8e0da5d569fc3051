import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { CONFIG_FAILURES } from '../../contracts/failures/config.js';
import { OFFLINE_DRAIN_FAILURES, type OfflineDrainState } from '../../contracts/offline-drain.js';

type OfflineRecords = Parameters<Activities['deliverOfflineRecords']>[0]['records'];

/** How often the drain asks `feature.get` again without being told the plan changed. */
export const FEATURE_RECHECK_MS = 24 * 3600_000;

const NON_RETRYABLE = [...OFFLINE_DRAIN_FAILURES.types, CONFIG_FAILURES.type.MissingTemporalClient];

/** One call to the portal; the client's own timeout (B24_HTTP_TIMEOUT_MS, 30 s) fits inside startToClose. */
const portal = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * Handing records to Temporal. Read with `clear=1` they exist nowhere else than in this history, so delivery keeps
 * trying for a day; heartbeats carry its progress, so a retried attempt does not signal the same records again.
 */
const temporal = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
});

export interface RoundOptions {
  memberId: string;
  limit: number;
  maxBatches: number;
}

/**
 * One pass over the queue (b24restdocs api-reference/events/offline-events.md). With the extended feature each
 * batch is reserved (`clear=0`), its process id kept in `state` before anything is handed over, then confirmed; a
 * batch an earlier round left reserved is finished first, re-read with its own process id. Without the feature each
 * `clear=1` batch is handed to Temporal before the next is read. Answers whether another round should follow at once.
 */
export async function drainRound(options: RoundOptions, state: OfflineDrainState): Promise<{ more: boolean }> {
  const { memberId, limit } = options;
  if (state.extended === undefined || state.extendedCheckedAtMs === undefined || Date.now() - state.extendedCheckedAtMs >= FEATURE_RECHECK_MS) {
    state.extended = (await portal.checkOfflineFeature({ memberId })).extended;
    state.extendedCheckedAtMs = Date.now();
  }
  const extended = state.extended;

  const handOver = async (records: OfflineRecords, processId: string | null) => {
    state.totals.fetched += records.length;
    if (records.length === 0) return;
    const outcome = await temporal.deliverOfflineRecords({ memberId, records });
    state.totals.routed += outcome.routed.length;
    state.totals.ignored += outcome.ignored.length;
    state.totals.failed += outcome.failed.length;
    if (processId !== null) {
      await portal.confirmOfflineBatch({ memberId, processId, done: [...outcome.routed, ...outcome.ignored], failed: outcome.failed });
    } else if (outcome.failed.length > 0) {
      // Read with clear=1, these are already gone from the queue: say so, since nothing else will.
      log.error('offline records could not be handed over and are lost', { memberId, messageIds: outcome.failed });
    }
  };

  const unfinished = state.reservedProcessId;
  if (unfinished !== undefined) {
    const batch = await portal.readOfflineBatch({ memberId, limit, clear: !extended, processId: unfinished });
    await handOver(batch.records, extended ? unfinished : null);
    delete state.reservedProcessId;
  }

  // Whatever this round found, another round looks again: records queued meanwhile may have had their notice
  // swallowed by `minTimeout`.
  let found = false;
  for (let batches = 0; batches < options.maxBatches; batches += 1) {
    const batch = await portal.readOfflineBatch({ memberId, limit, clear: !extended });
    if (batch.records.length === 0) return { more: found };
    found = true;
    if (extended) {
      if (batch.processId === null) {
        throw OFFLINE_DRAIN_FAILURES.create('UnexpectedAnswer', 'event.offline.get with clear=0 answered without a process_id');
      }
      state.reservedProcessId = batch.processId;
    }
    await handOver(batch.records, extended ? batch.processId : null);
    delete state.reservedProcessId;
    if (batch.records.length < limit) return { more: true };
  }
  return { more: true };
}
