import type { CreditCheckSettings } from './credit/settings.js';
import type { CrmProcessSettings } from './crm-processes/settings.js';

/**
 * Worker-side settings a workflow needs (retry bounds, intervals). Read through a local activity so the values
 * come from the worker's validated configuration yet are recorded in history, keeping replays deterministic.
 */
export interface ProcessSettings {
  /** How long GET_1C_PRICE keeps retrying an unreachable 1C. */
  onecRetryBoundMs: number;
  /** Pause between ERP order attempts while the ERP is unavailable. */
  erpRetryIntervalMs: number;
  /** How long, from the first attempt, the ERP order robot keeps trying before it gives up and notifies. */
  erpRetryBoundMs: number;
  /** Deal user field (UPPER_CASE) that receives the ERP order number. */
  erpOrderField: string;
  /** The ERP client's per-call timeout; the activity's own timeout is derived from it. */
  erpCallTimeoutMs: number;
  /** How soon a silent ERP attempt counts as lost (its worker died); 15 s unless a test shortens it. */
  erpHeartbeatTimeoutMs?: number;
  /** CHECK_CREDIT_LIMIT's wait and approver; a worker without them completes credit checks with an explanation. */
  credit?: CreditCheckSettings;
  /** Claim intake calendar and quality head, and the portal-id overrides of the CRM processes. */
  crm?: CrmProcessSettings;
  /** How long an entity workflow collects changes before one pass (ENTITY_COALESCE_WINDOW_MS); 2 s by default. */
  entityCoalesceWindowMs?: number;
  /** How long an entity workflow waits with nothing pending before it completes; 10 minutes by default. */
  entityIdleMs?: number;
  /** OFFLINE_DRAIN_INTERVAL_SECONDS: how long the offline drain waits for a wake before it looks anyway; 60 s by default. */
  offlineDrainIntervalMs?: number;
  /** TEMPORAL_WEB_UI_URL: the timeline line a finished run writes links to the run there. */
  temporalWebUiUrl?: string;
}

export function createSettingsActivities(settings: ProcessSettings) {
  return {
    async processSettings(): Promise<ProcessSettings> {
      return settings;
    },
  };
}
