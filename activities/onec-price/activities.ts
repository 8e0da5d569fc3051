import { Context } from '@temporalio/activity';
import type { OnecClient } from '../../integrations/onec/client.js';
import type { Config } from '../../lib/config.js';

export interface PriceLookup {
  known: boolean;
  price: number;
  currency: string;
  stock: number;
}

export function createOnecActivities(deps: { onec: OnecClient }) {
  return {
    async lookupPrice(input: { article: string }): Promise<PriceLookup> {
      const found = await deps.onec.getPrice(input.article, { signal: Context.current().cancellationSignal });
      return found ? { known: true, ...found } : { known: false, price: 0, currency: '', stock: 0 };
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
