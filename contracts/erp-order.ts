/** Shared shapes of the ERP order robot (ERP_CREATE_ORDER): sandbox-safe, used by the workflow and its activities. */

export interface ErpOrderReturnValues extends Record<string, unknown> {
  erp_order_id: string;
  error: string;
}

/**
 * The ERP's idempotency key for a deal's order. One deal, one order: a second robot run for the same deal, a retried
 * attempt or a restarted worker all send the same key, and the ERP never creates a second order for it.
 */
export function erpOrderExternalId(memberId: string, dealId: number): string {
  return `b24:${memberId}:deal:${dealId}`;
}

/**
 * ERP failure types worth another attempt later (integrations/erp/errors.ts ERP_FAILURE_POLICY, retryable entries).
 * Named here because workflow code may not import activity modules; a test keeps the two lists equal.
 */
export const ERP_RETRY_LATER_FAILURE_TYPES: readonly string[] = ['Erp.Unavailable', 'Erp.ServerError', 'Erp.Timeout'];
