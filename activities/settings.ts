/**
 * Worker-side settings a workflow needs (retry bounds, intervals). Read through a local activity so the values
 * come from the worker's validated configuration yet are recorded in history, keeping replays deterministic.
 */
export interface ProcessSettings {
  /** How long GET_1C_PRICE keeps retrying an unreachable 1C. */
  onecRetryBoundMs: number;
}

export function createSettingsActivities(settings: ProcessSettings) {
  return {
    async processSettings(): Promise<ProcessSettings> {
      return settings;
    },
  };
}
