import type { ProcessSettings } from '../activities/settings.js';
import type { Config } from '../lib/config.js';

/** The worker-side settings workflows read through the `processSettings` local activity, from validated config. */
export function processSettingsFromConfig(config: Config): ProcessSettings {
  return {
    onecRetryBoundMs: config.ONEC_RETRY_BOUND_SECONDS * 1000,
    erpRetryIntervalMs: config.ERP_RETRY_INTERVAL_SECONDS * 1000,
    erpRetryBoundMs: config.ERP_RETRY_BOUND_SECONDS * 1000,
    erpOrderField: config.ERP_ORDER_FIELD,
    erpCallTimeoutMs: config.ERP_HTTP_TIMEOUT_MS,
    credit: {
      waitMs: config.CREDIT_WAIT_SECONDS * 1000,
      retryIntervalMs: config.CREDIT_RETRY_INTERVAL_SECONDS * 1000,
      // One attempt may use the whole HTTP timeout; the margin covers the activity's own start and report.
      attemptTimeoutMs: config.FINANCE_HTTP_TIMEOUT_MS + 5_000,
      approverUserId: config.CREDIT_APPROVER_USER_ID,
    },
    entityCoalesceWindowMs: config.ENTITY_COALESCE_WINDOW_MS,
    offlineDrainIntervalMs: config.OFFLINE_DRAIN_INTERVAL_SECONDS * 1000,
    temporalWebUiUrl: config.TEMPORAL_WEB_UI_URL,
    crm: {
      qualityHeadUserId: config.QUALITY_HEAD_USER_ID,
      portalTimeZone: config.PORTAL_TIME_ZONE,
      holidays: config.HOLIDAYS,
      claimEntityTypeId: config.CLAIM_ENTITY_TYPE_ID,
      invoiceTotalEntityTypeId: config.INVOICE_TOTAL_ENTITY_TYPE_ID,
      shipmentListIblockId: config.SHIPMENT_LIST_IBLOCK_ID,
    },
  };
}
