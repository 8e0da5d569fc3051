import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { msOptionalToNumber } from '@temporalio/common/lib/time.js';
import type { OnecClient } from '../../integrations/onec/client.js';
import type { Config } from '../../lib/config.js';

export interface PriceLookup {
  known: boolean;
  price: number;
  currency: string;
  stock: number;
}

/** One lookup attempt's answer, or how long 1C asked us to wait before the next one (0 when it did not say). */
export type PriceAttempt = { found: PriceLookup } | { retryAfterMs: number };

export function createOnecActivities(deps: { onec: OnecClient }) {
  async function lookupPrice(input: { article: string }): Promise<PriceLookup> {
    const found = await deps.onec.getPrice(input.article, { signal: Context.current().cancellationSignal });
    return found ? { known: true, ...found } : { known: false, price: 0, currency: '', stock: 0 };
  }
  return {
    lookupPrice,
    /**
     * A single attempt, for a local activity: a retryable failure comes back as a value, because a workflow does not
     * see the delay 1C asked for (Retry-After) on a failure it receives. A final failure is thrown.
     */
    async tryLookupPrice(input: { article: string }): Promise<PriceAttempt> {
      try {
        return { found: await lookupPrice(input) };
      } catch (error) {
        if (!(error instanceof ApplicationFailure) || error.nonRetryable) throw error;
        return { retryAfterMs: msOptionalToNumber(error.nextRetryDelay) ?? 0 };
      }
    },
  };
}

/** GET_1C_PRICE's slice of ProcessSettings. */
export interface OnecPriceSettings {
  /** How long GET_1C_PRICE keeps retrying an unreachable 1C (ONEC_RETRY_BOUND_SECONDS). */
  onecRetryBoundMs: number;
}

/** GET_1C_PRICE in the worker (activities/robots.ts). */
export const onecPriceRobot = {
  activities: createOnecActivities,
  settings: (config: Config): OnecPriceSettings => ({ onecRetryBoundMs: config.ONEC_RETRY_BOUND_SECONDS * 1000 }),
};
