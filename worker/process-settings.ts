import type { ProcessSettings } from '../activities/settings.js';
import { robotSettingsFromConfig } from '../activities/robots.js';
import type { Config } from '../lib/config.js';

/** The worker-side settings workflows read through the `processSettings` local activity, from validated config. */
export function processSettingsFromConfig(config: Config): ProcessSettings {
  return {
    ...robotSettingsFromConfig(config),
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
