import { isoWithOffset } from './clock.js';
import type { OperatingStatus } from './operating-time.js';

/** The `time` object of a REST answer; batch sub-results carry it without the operating fields. */
export function timeBlock(startMs: number, finishMs: number, operating?: OperatingStatus): Record<string, number | string> {
  const duration = (finishMs - startMs) / 1000;
  return {
    start: startMs / 1000,
    finish: finishMs / 1000,
    duration,
    processing: duration,
    date_start: isoWithOffset(startMs),
    date_finish: isoWithOffset(finishMs),
    ...(operating ? { operating_reset_at: operating.resetAt, operating: operating.operating } : {}),
  };
}
