import { Context } from '@temporalio/activity';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import type { ErpClient } from '../../integrations/erp/client.js';
import { placeErpOrder, type CreateErpOrderActivityInput, type ErpOrderPlaced } from './create-order.js';
import { notifyUser, writeOrderIdToDeal, type NotifyInput, type WriteOrderIdInput } from './deal-writes.js';
import { readDealForErpOrder } from './read-deal.js';
import type { ErpOrderDeal, ReadDealInput } from './types.js';

export interface ErpOrderActivityDeps {
  bitrix24: Bitrix24Caller;
  erp: ErpClient;
}

/** Activities of the ERP order robot: Bitrix24 reads and writes for the deal, and the ERP call. */
export function createErpOrderActivities(deps: ErpOrderActivityDeps) {
  return {
    async readDealForErpOrder(input: ReadDealInput): Promise<ErpOrderDeal> {
      return readDealForErpOrder(deps.bitrix24, input, Context.current().cancellationSignal);
    },

    async createErpOrder(input: CreateErpOrderActivityInput): Promise<ErpOrderPlaced> {
      return placeErpOrder(deps.erp, input);
    },

    async writeErpOrderId(input: WriteOrderIdInput): Promise<{ written: boolean }> {
      return writeOrderIdToDeal(deps.bitrix24, input, Context.current().cancellationSignal);
    },

    async notifyErpOrderResponsible(input: NotifyInput): Promise<void> {
      await notifyUser(deps.bitrix24, input, Context.current().cancellationSignal);
    },
  };
}
