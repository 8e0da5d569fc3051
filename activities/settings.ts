import type { CrmProcessSettings } from './crm-processes/settings.js';
import type { RobotSettings } from './robots.js';

/** Settings every worker has, whatever robots it runs. */
export interface CommonProcessSettings {
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

/**
 * Worker-side settings a workflow needs (retry bounds, intervals): the common ones and each robot's own slice
 * (activities/robots.ts). Read through a local activity so the values come from the worker's validated configuration
 * yet are recorded in history, keeping replays deterministic. The slices keep their field names flat, as earlier
 * histories recorded them.
 */
export type ProcessSettings = CommonProcessSettings & RobotSettings;

export function createSettingsActivities(settings: ProcessSettings) {
  return {
    async processSettings(): Promise<ProcessSettings> {
      return settings;
    },
  };
}
