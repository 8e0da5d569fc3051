export interface MaintenanceWindow {
  from: number;
  to: number;
}

export interface MaintenanceState {
  /** Switched by hand; `until` (epoch ms) ends it on its own, without it lasts until switched off. */
  manual: { on: boolean; until?: number };
  windows: MaintenanceWindow[];
}

export interface MaintenanceStatus {
  /** When maintenance ends, if anyone knows. */
  until?: number;
}

/**
 * Whether the finance system is in maintenance at `now` (real wall-clock epoch ms), and until when: windows that
 * touch or overlap the active one extend it, as back-to-back maintenance jobs do.
 */
export function maintenanceAt(state: MaintenanceState, now: number): MaintenanceStatus | null {
  const manualActive = state.manual.on && (state.manual.until === undefined || now < state.manual.until);
  const active = state.windows.filter((window) => window.from <= now && now < window.to);
  if (!manualActive && active.length === 0) return null;
  if (manualActive && state.manual.until === undefined) return {};

  let until = Math.max(manualActive ? (state.manual.until ?? now) : now, ...active.map((window) => window.to));
  for (let extended = true; extended; ) {
    extended = false;
    for (const window of state.windows) {
      if (window.from <= until && window.to > until) {
        until = window.to;
        extended = true;
      }
    }
  }
  return { until };
}
