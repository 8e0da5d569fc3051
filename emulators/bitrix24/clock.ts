/** The emulator's notion of time: real time plus an offset, so tests can jump over token lifetimes and robot timeouts. */
export class EmulatorClock {
  private offsetMs = 0;

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  nowSeconds(): number {
    return this.nowMs() / 1000;
  }

  unixSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

/** ISO 8601 with a numeric offset, as Bitrix24 writes `date_start` (`2025-01-09T10:16:47+00:00`). */
export function isoWithOffset(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}
