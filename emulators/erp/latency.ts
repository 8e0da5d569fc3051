/** A fixed delay or a uniformly random one between min and max, in milliseconds. */
export type LatencySetting = number | readonly [min: number, max: number];

export function pickLatencyMs(setting: LatencySetting): number {
  if (typeof setting === 'number') return setting;
  const [min, max] = setting;
  return min + Math.random() * (max - min);
}

/** Parses `ERP_SIM_LATENCY_MS`: `"500"` or `"30000-40000"`. */
export function parseLatencySetting(text: string): LatencySetting {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (!match?.[1]) throw new Error(`Latency must be "<ms>" or "<min>-<max>", got "${text}"`);
  const min = Number(match[1]);
  if (match[2] === undefined) return min;
  const max = Number(match[2]);
  if (max < min) throw new Error(`Latency range must be ascending, got "${text}"`);
  return [min, max];
}
