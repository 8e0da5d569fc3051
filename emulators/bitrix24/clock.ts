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

/** The site's date-time format of iblock columns, as lists-get.md prints `TIMESTAMP_X` ("05/17/2023 04:09:23 pm"), in UTC. */
export function siteDateTime(ms: number): string {
  const date = new Date(ms);
  const pad = (value: number) => String(value).padStart(2, '0');
  const hours = date.getUTCHours();
  const clock = `${pad(hours % 12 === 0 ? 12 : hours % 12)}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${hours < 12 ? 'am' : 'pm'}`;
  return `${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/${date.getUTCFullYear()} ${clock}`;
}
