import { ActivityFailure, ApplicationFailure, isCancellation, patched, proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { PriceAttempt, PriceLookup } from '../activities/onec-price/activities.js';
import type { Activities } from '../activities/index.js';
import type { GET_1C_PRICE, RobotCallOf, RobotOutcomeOf } from '../contracts/robot-declarations.js';
import { ONEC_FAILURES } from '../contracts/failures/onec.js';
import { OUTCOMES } from '../contracts/search-attributes.js';
import { finishRobot, timeLeftForBitrix24 } from './robot/finish.js';

const { processSettings } = proxyLocalActivities<Activities>({ startToCloseTimeout: '5 seconds' });
const LOOKUP_TIMEOUT = '30 seconds';
const { tryLookupPrice } = proxyLocalActivities<Activities>({ startToCloseTimeout: LOOKUP_TIMEOUT, retry: { maximumAttempts: 1 } });

/**
 * Runs that started before the lookup became a local activity replay with the activity task they scheduled. A price
 * lookup is a short idempotent read: as a local activity it costs no activity task and no extra workflow task, which is
 * a third of a robot run's Temporal work in a storm of calls (docs/rate-limits.md).
 */
export const LOCAL_PRICE_LOOKUP_PATCH = 'onec-lookup-as-local-activity';

/** Leaves time for bizproc.event.send after the last lookup attempt when Bitrix24 waits with a timeout. */
const SEND_MARGIN_MS = 10_000;

/**
 * BP activity GET_1C_PRICE: looks the article up in 1C and returns `price` and `available`.
 * An unknown article is an answer (available = false, price = 0), not an error. An unreachable 1C is retried with
 * backoff for a bounded time, then the activity completes with a log message explaining why there is no price.
 */
export async function get1cPriceWorkflow(call: RobotCallOf<typeof GET_1C_PRICE>): Promise<RobotOutcomeOf<typeof GET_1C_PRICE>> {
  const { article } = call.properties;
  try {
    const found = await lookUpPrice(call);
    if (!found.known) {
      return await finishRobot(call, { price: 0, available: false }, `Article ${article} is not known in 1C`);
    }
    const available = found.stock > 0;
    return await finishRobot(
      call,
      { price: found.price, available },
      `1C: ${article} costs ${found.price} ${found.currency}, ${available ? `${found.stock} in stock` : 'out of stock'}`,
    );
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const reason = error.cause instanceof ApplicationFailure ? error.cause.message : (error.cause?.message ?? error.message);
    return await finishRobot(
      call,
      { price: 0, available: false },
      `No price for ${article}: 1C could not be reached in time (${reason})`,
      OUTCOMES.failed,
    );
  }
}

/**
 * One attempt as a local activity: no activity task, no workflow task of its own, not even the settings read. Only when
 * 1C fails does the lookup become an activity with the full retry policy, after the wait 1C asked for: its retries are
 * then durable and bounded by the server's clock (a local activity's retries would hold the workflow task and count by
 * the worker's clock).
 */
async function lookUpPrice(call: RobotCallOf<typeof GET_1C_PRICE>): Promise<PriceLookup> {
  const { article } = call.properties;
  if (!patched(LOCAL_PRICE_LOOKUP_PATCH)) return (await lookupActivity(call))({ article });
  let attempt: PriceAttempt;
  try {
    attempt = await tryLookupPrice({ article });
  } catch (error) {
    if (isCancellation(error)) throw error;
    // A final failure (or a timeout): the activity meets it again and reports it the way every failed lookup is reported.
    attempt = { retryAfterMs: 0 };
  }
  if ('found' in attempt) return attempt.found;
  if (attempt.retryAfterMs > 0) await sleep(attempt.retryAfterMs);
  return (await lookupActivity(call))({ article });
}

/** The lookup as an activity, retried within ONEC_RETRY_BOUND_SECONDS and the time Bitrix24 still waits. */
async function lookupActivity(call: RobotCallOf<typeof GET_1C_PRICE>) {
  const settings = await processSettings();
  // The function, not the proxy: awaiting a proxy would ask it for an activity named `then`.
  return proxyActivities<Activities>({
    startToCloseTimeout: LOOKUP_TIMEOUT,
    scheduleToCloseTimeout: retryBound(settings.onecRetryBoundMs, timeLeftForBitrix24(call)),
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: [...ONEC_FAILURES.nonRetryableTypes] },
  }).lookupPrice;
}

function retryBound(configuredMs: number, msLeftForBitrix24: number | undefined): number {
  if (msLeftForBitrix24 === undefined) return configuredMs;
  return Math.max(1_000, Math.min(configuredMs, msLeftForBitrix24 - SEND_MARGIN_MS));
}
