import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import {
  emptyOfflineDrainTotals,
  OFFLINE_DRAIN_FAILURES,
  OFFLINE_DRAIN_WAKE_REASON,
  offlineDrainStatusQuery,
  offlineDrainWakeSignal,
  type OfflineDrainInput,
  type OfflineDrainState,
  type OfflineDrainStatus,
} from '../../contracts/offline-drain.js';
import { OUTCOMES, SA_OUTCOME, type Outcome } from '../../contracts/search-attributes.js';
import { drainRound } from './offline-drain-round.js';

export const OFFLINE_DRAIN_DEFAULTS = {
  intervalMs: 60_000,
  /** Bitrix24's default page (b24restdocs api-reference/events/event-offline-get.md). */
  batchSize: 50,
  maxBatchesPerRound: 20,
} as const;

const { processSettings } = proxyLocalActivities<Activities>({ startToCloseTimeout: '5 seconds' });

/** The failure a round ended with, or rethrows what is not a Temporal failure (a bug must not pass as a bad round). */
function roundFailure(error: unknown): { type: string; message: string } {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
    return { type: error.cause.type ?? 'ApplicationFailure', message: error.cause.message };
  }
  if (error instanceof ActivityFailure) return { type: error.cause?.name ?? 'ActivityFailure', message: error.cause?.message ?? error.message };
  if (error instanceof ApplicationFailure) return { type: error.type ?? 'ApplicationFailure', message: error.message };
  throw error;
}

/**
 * The portal's offline drain `offline-drain/{memberId}`: one long-lived run that waits for a wake (ONOFFLINEEVENT
 * through the API, an install) or its own timer, then drains the queue into the entity workflows. A failed round
 * waits the full interval whatever wakes arrive, so a refusing portal is asked once per interval, not once per
 * notification. Cancellation (app uninstall) ends it as cancelled.
 */
export async function offlineDrainWorkflow(input: OfflineDrainInput): Promise<void> {
  const { memberId } = input;
  const state: OfflineDrainState = input.state ?? { totals: emptyOfflineDrainTotals() };
  let wake = input.wakePending ?? true;
  let lastFailure: OfflineDrainStatus['lastFailure'] = null;
  // Unknown in a continued run: the first round sets it, whatever the previous run left.
  let outcome: Outcome | undefined;

  setHandler(offlineDrainWakeSignal, (signal) => {
    wake = true;
    if (signal.reason === OFFLINE_DRAIN_WAKE_REASON.install) delete state.extendedCheckedAtMs;
  });
  setHandler(offlineDrainStatusQuery, () => ({
    memberId,
    extended: state.extended ?? null,
    reservedProcessId: state.reservedProcessId ?? null,
    totals: state.totals,
    lastFailure,
  }));
  const setOutcome = (next: Outcome) => {
    if (next === outcome) return;
    outcome = next;
    upsertSearchAttributes([{ key: SA_OUTCOME, value: next }]);
  };

  const settings = await processSettings();
  const intervalMs = settings.offlineDrainIntervalMs ?? OFFLINE_DRAIN_DEFAULTS.intervalMs;
  const roundOptions = {
    memberId,
    limit: input.batchSize ?? OFFLINE_DRAIN_DEFAULTS.batchSize,
    maxBatches: input.maxBatchesPerRound ?? OFFLINE_DRAIN_DEFAULTS.maxBatchesPerRound,
  };

  for (let rounds = 1; ; rounds += 1) {
    if (!wake) await condition(() => wake, intervalMs);
    wake = false;
    state.totals.rounds += 1;
    try {
      const { more } = await drainRound(roundOptions, state);
      if (more) wake = true;
      lastFailure = null;
      setOutcome(OUTCOMES.running);
    } catch (error) {
      if (isCancellation(error)) throw error;
      lastFailure = roundFailure(error);
      state.totals.failedRounds += 1;
      // A licence error may mean the plan changed: the next round asks feature.get again.
      if (lastFailure.type === OFFLINE_DRAIN_FAILURES.type.LicenseRequired) delete state.extendedCheckedAtMs;
      setOutcome(OUTCOMES.failed);
      log.error('offline drain round failed; the next one follows after the interval', { memberId, ...lastFailure, intervalMs });
      await sleep(intervalMs);
      wake = true;
    }

    const forced = input.continueAsNewAfterRounds !== undefined && rounds >= input.continueAsNewAfterRounds;
    if (workflowInfo().continueAsNewSuggested || forced) {
      await condition(allHandlersFinished);
      const { continueAsNewAfterRounds: _hook, ...carried } = input;
      await continueAsNew<typeof offlineDrainWorkflow>({ ...carried, state, wakePending: wake });
    }
  }
}
