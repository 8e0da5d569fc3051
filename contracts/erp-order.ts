import { defineFailures } from './failures/define.js';
import type { ERP_CREATE_ORDER, RobotReturnValues } from './robot-declarations.js';

/** Shared shapes of the ERP order robot (ERP_CREATE_ORDER): sandbox-safe, used by the workflow and its activities. */

export type ErpOrderReturnValues = RobotReturnValues<typeof ERP_CREATE_ORDER>;

/**
 * The ERP's idempotency key for a deal's order. One deal, one order: a second robot run for the same deal, a retried
 * attempt or a restarted worker all send the same key, and the ERP never creates a second order for it.
 */
export function erpOrderExternalId(memberId: string, dealId: number): string {
  return `b24:${memberId}:deal:${dealId}`;
}

/** Reading the deal before the order: a missing deal is final; an unreadable one is final only for access answers. */
export const ERP_ORDER_FAILURES = defineFailures('ErpOrder', {
  DealNotFound: { retryable: false },
  DealUnreadable: { retryable: true },
});
