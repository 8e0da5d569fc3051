import { ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { GET_1C_PRICE, RobotCallOf, RobotOutcomeOf } from '../contracts/robot-declarations.js';
import { ONEC_FAILURES } from '../contracts/failures/onec.js';
import { OUTCOMES } from '../contracts/search-attributes.js';
import { finishRobot, timeLeftForBitrix24 } from './robot/finish.js';

const { processSettings } = proxyLocalActivities<Activities>({ startToCloseTimeout: '5 seconds' });

/** Leaves time for bizproc.event.send after the last lookup attempt when Bitrix24 waits with a timeout. */
const SEND_MARGIN_MS = 10_000;

/**
 * BP activity GET_1C_PRICE: looks the article up in 1C and returns `price` and `available`.
 * An unknown article is an answer (available = false, price = 0), not an error. An unreachable 1C is retried with
 * backoff for a bounded time, then the activity completes with a log message explaining why there is no price.
 */
export async function get1cPriceWorkflow(call: RobotCallOf<typeof GET_1C_PRICE>): Promise<RobotOutcomeOf<typeof GET_1C_PRICE>> {
  const { article } = call.properties;
  const settings = await processSettings();
  const { lookupPrice } = proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: retryBound(settings.onecRetryBoundMs, timeLeftForBitrix24(call)),
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: [...ONEC_FAILURES.nonRetryableTypes] },
  });

  try {
    const found = await lookupPrice({ article });
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

function retryBound(configuredMs: number, msLeftForBitrix24: number | undefined): number {
  if (msLeftForBitrix24 === undefined) return configuredMs;
  return Math.max(1_000, Math.min(configuredMs, msLeftForBitrix24 - SEND_MARGIN_MS));
}
