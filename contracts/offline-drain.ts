import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineFailures } from './failures/define.js';

/**
 * The offline-queue drain: one long-lived workflow per portal, woken by ONOFFLINEEVENT (through the API) or by its own
 * timer, that reads Bitrix24's offline event queue into the entity workflows (b24restdocs
 * api-reference/events/offline-events.md).
 */
export const OFFLINE_DRAIN_WORKFLOW_TYPE = 'offlineDrainWorkflow';

/** B24Process of the drain. */
export const OFFLINE_DRAIN_PROCESS = 'offline-drain';

/**
 * `offline-drain/{memberId}`: the portal's one drain workflow. Earlier versions kept a Schedule under the same id,
 * which install and app update delete.
 */
export function offlineDrainWorkflowId(memberId: string): string {
  return `offline-drain/${memberId}`;
}

export const OFFLINE_DRAIN_WAKE_REASON = {
  /** Bitrix24 said new records are queued. */
  offlineEvent: 'offline-event',
  /** Install or app update: the plan may have changed, so the drain asks `feature.get` again. */
  install: 'install',
} as const;
export type OfflineDrainWakeReason = (typeof OFFLINE_DRAIN_WAKE_REASON)[keyof typeof OFFLINE_DRAIN_WAKE_REASON];

export interface OfflineDrainWake {
  reason: OfflineDrainWakeReason;
}

/** Wakes the drain for a round now; wakes that arrive during a round coalesce into one more round. */
export const offlineDrainWakeSignal = defineSignal<[OfflineDrainWake]>('offline-drain.wake');

export interface OfflineDrainTotals {
  rounds: number;
  failedRounds: number;
  /** Records read from the queue. */
  fetched: number;
  /** Records signalled into an entity workflow. */
  routed: number;
  /** Records no route takes (confirmed without work). */
  ignored: number;
  /** Records that could not be handed over (marked with event.offline.error where the plan allows). */
  failed: number;
}

/** What a drain carries across continue-as-new. */
export interface OfflineDrainState {
  /** `rest_offline_extended` as `feature.get` last answered; absent until asked. */
  extended?: boolean;
  /** Workflow time (ms) of that answer; the drain asks again once a day. */
  extendedCheckedAtMs?: number;
  /**
   * A batch reserved with `clear=0` and not yet confirmed. Recorded before the batch is processed, so a round that
   * failed half-way finishes it (re-read with its own process id) before it reserves new records.
   */
  reservedProcessId?: string;
  totals: OfflineDrainTotals;
}

export interface OfflineDrainInput {
  memberId: string;
  state?: OfflineDrainState;
  /** A wake that arrived before the previous run continued as new. A fresh drain runs its first round at once. */
  wakePending?: boolean;
  /** Records per `event.offline.get`; Bitrix24's default page is 50. */
  batchSize?: number;
  /** Batches per round at most; more records wait for the next round, which follows at once. Default 20. */
  maxBatchesPerRound?: number;
  /** Test hook: continue-as-new after this many rounds, as if Temporal had suggested it. Not carried over. */
  continueAsNewAfterRounds?: number;
}

/** What the drain knows now, for operators and tests. */
export interface OfflineDrainStatus {
  memberId: string;
  extended: boolean | null;
  reservedProcessId: string | null;
  totals: OfflineDrainTotals;
  /** Failure type and message of the last round, when it failed. */
  lastFailure: { type: string; message: string } | null;
}

/** Refusals the drain's activities raise and the workflow branches on; none of them is cured by retrying. */
export const OFFLINE_DRAIN_FAILURES = defineFailures('OfflineDrain', {
  /** ACCESS_DENIED: the offline methods need an administrator (b24restdocs api-reference/events/event-offline-get.md). */
  NotAdministrator: { retryable: false },
  /** WRONG_AUTH_TYPE: they work only with application authorization, never through an inbound webhook. */
  NotApplicationAuth: { retryable: false },
  /** WRONG_LICENSE: the plan lacks `clear=0` (rest_offline_extended) or `auth_connector` (rest_auth_connector). */
  LicenseRequired: { retryable: false },
  /** `clear=0` answered without a process id: nothing could be confirmed. */
  UnexpectedAnswer: { retryable: false },
});
export type OfflineDrainFailureName = keyof typeof OFFLINE_DRAIN_FAILURES.policies;

export const offlineDrainStatusQuery = defineQuery<OfflineDrainStatus>('offline-drain.status');

export function emptyOfflineDrainTotals(): OfflineDrainTotals {
  return { rounds: 0, failedRounds: 0, fetched: 0, routed: 0, ignored: 0, failed: 0 };
}
