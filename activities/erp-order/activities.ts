import { Context } from '@temporalio/activity';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import type { ErpClient } from '../../integrations/erp/client.js';
import type { Config } from '../../lib/config.js';
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

/** ERP_CREATE_ORDER's slice of ProcessSettings. */
export interface ErpOrderSettings {
  /** Pause between ERP order attempts while the ERP is unavailable (ERP_RETRY_INTERVAL_SECONDS). */
  erpRetryIntervalMs: number;
  /** How long, from the first attempt, the robot keeps trying before it gives up and notifies (ERP_RETRY_BOUND_SECONDS). */
  erpRetryBoundMs: number;
  /** Deal user field (UPPER_CASE) that receives the ERP order number (ERP_ORDER_FIELD). */
  erpOrderField: string;
  /** The ERP client's per-call timeout (ERP_HTTP_TIMEOUT_MS); the activity's own timeout is derived from it. */
  erpCallTimeoutMs: number;
  /** How soon a silent ERP attempt counts as lost (its worker died); 15 s unless a test shortens it. */
  erpHeartbeatTimeoutMs?: number;
}

/** ERP_CREATE_ORDER in the worker (activities/robots.ts). */
export const erpOrderRobot = {
  activities: createErpOrderActivities,
  settings: (config: Config): ErpOrderSettings => ({
    erpRetryIntervalMs: config.ERP_RETRY_INTERVAL_SECONDS * 1000,
    erpRetryBoundMs: config.ERP_RETRY_BOUND_SECONDS * 1000,
    erpOrderField: config.ERP_ORDER_FIELD,
    erpCallTimeoutMs: config.ERP_HTTP_TIMEOUT_MS,
  }),
};
