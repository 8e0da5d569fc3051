import { ActivityFailure, ApplicationFailure, log, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { CreateErpOrderInput } from '../../integrations/erp/types.js';
import type { ErpOrderSettings } from '../../activities/erp-order/activities.js';
import { ERP_FAILURES } from '../../contracts/failures/erp.js';
import type { RobotCall } from '../../contracts/robot-call.js';
import { OUTCOMES } from '../../contracts/search-attributes.js';
import { reportProgress, setOutcome, timeLeftForBitrix24 } from '../robot/finish.js';

export type PlaceOrderResult =
  | { kind: 'placed'; orderNumber: string; via: 'created' | 'existing' | 'lookup'; attempts: number }
  /** The ERP refused the order (validation, business rejection): another attempt cannot help. */
  | { kind: 'refused'; reason: string; attempts: number }
  /** The ERP stayed unavailable until the retry bound. */
  | { kind: 'gaveUp'; reason: string; attempts: number };

/** Time kept for bizproc.event.send after the last attempt when Bitrix24 waits with a timeout. */
const SEND_MARGIN_MS = 10_000;
/** Room in one attempt beyond its two SOAP calls (WSDL load shares their deadlines; this covers the worker side). */
const ATTEMPT_MARGIN_MS = 5_000;
/** The activity beats at least every 5 s, so three missed beats mean its worker is gone. */
const DEFAULT_HEARTBEAT_TIMEOUT_MS = 15_000;

/**
 * Places the order, trying again every `erpRetryIntervalMs` while the ERP is unavailable, for at most
 * `erpRetryBoundMs` from the first attempt. Every failed attempt writes one line to the business-process log.
 * Temporal's own retries of the activity cover only a lost attempt (worker crash, heartbeat or start-to-close
 * timeout); ERP answers come back here, so the pace stays the configured fixed interval.
 */
export async function placeOrderWithRetries(
  call: RobotCall,
  order: CreateErpOrderInput,
  settings: ErpOrderSettings,
): Promise<PlaceOrderResult> {
  // One attempt may look the order up and then create it: two ERP calls, each bounded by the client's timeout.
  const attemptTimeoutMs = 2 * settings.erpCallTimeoutMs + ATTEMPT_MARGIN_MS;
  const { createErpOrder } = proxyActivities<Activities>({
    startToCloseTimeout: attemptTimeoutMs,
    heartbeatTimeout: settings.erpHeartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
    retry: {
      initialInterval: '1 second',
      maximumAttempts: 3,
      // Retryable ERP answers come back to the loop, which paces the next attempt itself.
      nonRetryableErrorTypes: [...ERP_FAILURES.retryableTypes],
    },
  });
  const boundMs = retryBound(settings.erpRetryBoundMs, timeLeftForBitrix24(call), attemptTimeoutMs);
  const firstAttemptAt = Date.now();

  setOutcome(OUTCOMES.waitingOnExternal);
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const placed = await createErpOrder({ order, lookupFirst: attempt > 1 });
        return { kind: 'placed', ...placed, attempts: attempt };
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        const { retryLater, reason } = describeFailure(error);
        if (!retryLater) return { kind: 'refused', reason, attempts: attempt };

        // Attempts keep a fixed grid from the first one, so slow failing calls do not stretch the interval; an
        // attempt that overran its slot moves the next one to the following free slot instead of firing at once.
        const elapsedMs = Date.now() - firstAttemptAt;
        const slot = Math.max(attempt, Math.ceil((elapsedMs + 1_000) / settings.erpRetryIntervalMs));
        const nextAttemptAt = firstAttemptAt + slot * settings.erpRetryIntervalMs;
        const giveUp = nextAttemptAt - firstAttemptAt > boundMs;
        const waitMs = nextAttemptAt - Date.now();
        const next = giveUp
          ? `giving up after ${formatDuration(elapsedMs)} of attempts`
          : `next attempt in ${formatDuration(waitMs)}`;
        log.info('ERP order attempt failed', { attempt, reason, giveUp });
        const progressLine = logAttempt(call, `ERP order attempt ${attempt} failed: ${reason}; ${next}`);
        if (giveUp) {
          await progressLine;
          return { kind: 'gaveUp', reason, attempts: attempt };
        }
        // The log line is written while the timer runs, so a slow Bitrix24 does not stretch the interval.
        await Promise.all([progressLine, sleep(waitMs)]);
      }
    }
  } finally {
    setOutcome(OUTCOMES.running);
  }
}

/** A progress line Bitrix24 would not take is not worth failing the order over. */
async function logAttempt(call: RobotCall, message: string): Promise<void> {
  try {
    await reportProgress(call, message);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn('Could not write the ERP attempt to the business-process log', { reason: error.cause?.message });
  }
}

function describeFailure(error: ActivityFailure): { retryLater: boolean; reason: string } {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) {
    const retryLater = ERP_FAILURES.policyOf(cause.type)?.retryable === true || !cause.nonRetryable;
    return { retryLater, reason: cause.message };
  }
  // A timed-out attempt (the worker died or the ERP hung past every deadline): the order may or may not exist,
  // and the next attempt looks it up first.
  return { retryLater: true, reason: cause?.message || error.message || 'the attempt timed out' };
}

function retryBound(configuredMs: number, msLeftForBitrix24: number | undefined, attemptTimeoutMs: number): number {
  if (msLeftForBitrix24 === undefined) return configuredMs;
  return Math.max(0, Math.min(configuredMs, msLeftForBitrix24 - attemptTimeoutMs - SEND_MARGIN_MS));
}

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes >= 120) return `${Math.round(minutes / 60)} h`;
  if (minutes >= 1) return `${minutes} min`;
  return `${Math.round(ms / 1000)} s`;
}
