import { Context } from '@temporalio/activity';
import type { OnecClient } from '../../integrations/onec/client.js';

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
