/**
 * Calendar arithmetic in a portal's time zone, with Intl only (sandbox-safe: no Node built-ins, no clock reads).
 * Weekends are Saturday and Sunday; holidays are local dates `YYYY-MM-DD`.
 */
export interface BusinessCalendar {
  /** IANA zone, e.g. Europe/Moscow. */
  timeZone: string;
  holidays: readonly string[];
}

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// Shared by every run (the worker preloads workflows/): a formatter per time zone is the same whichever run made it.
// eslint-disable-next-line no-restricted-syntax
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock time an instant shows in `timeZone`. */
export function localDateTime(epochMs: number, timeZone: string): LocalDateTime {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(new Date(epochMs))
      .filter((part) => part.type !== 'literal')
      .map((part) => [part.type, Number(part.value)]),
  );
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function asUtcMs(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
}

/** Minutes the zone is ahead of UTC at that instant (+180 for Moscow). */
export function offsetMinutes(epochMs: number, timeZone: string): number {
  const wholeSeconds = Math.floor(epochMs / 1000) * 1000;
  return Math.round((asUtcMs(localDateTime(wholeSeconds, timeZone)) - wholeSeconds) / 60_000);
}

/**
 * The instant a wall-clock time happens in `timeZone`. A time skipped by a DST jump moves forward by the gap
 * (02:30 on a spring-forward night becomes 03:30); a repeated time takes its later occurrence.
 */
export function zonedTimeToEpochMs(local: LocalDateTime, timeZone: string): number {
  const guess = asUtcMs(local);
  const firstOffset = offsetMinutes(guess, timeZone);
  const first = guess - firstOffset * 60_000;
  const secondOffset = offsetMinutes(first, timeZone);
  if (secondOffset === firstOffset) return first;
  const second = guess - secondOffset * 60_000;
  if (offsetMinutes(second, timeZone) === secondOffset) return second;
  return Math.max(first, second);
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

export function isoDate(local: Pick<LocalDateTime, 'year' | 'month' | 'day'>): string {
  return `${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)}`;
}

/** `2026-03-10T10:00:00+03:00`: the form tasks.task.add takes for DEADLINE, with the zone's offset at that instant. */
export function formatZoned(epochMs: number, timeZone: string): string {
  const local = localDateTime(epochMs, timeZone);
  const offset = offsetMinutes(epochMs, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const absolute = Math.abs(offset);
  return `${isoDate(local)}T${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

export function isBusinessDay(date: Pick<LocalDateTime, 'year' | 'month' | 'day'>, calendar: BusinessCalendar): boolean {
  const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !calendar.holidays.includes(isoDate(date));
}

/**
 * The same local wall-clock time `days` business days later: each step moves to the next local date and counts it
 * only when it is neither a weekend nor a holiday. Starting on a day off counts from the next business day.
 */
export function addBusinessDays(startEpochMs: number, days: number, calendar: BusinessCalendar): number {
  const start = localDateTime(startEpochMs, calendar.timeZone);
  let date = { year: start.year, month: start.month, day: start.day };
  for (let counted = 0; counted < days; ) {
    const next = new Date(Date.UTC(date.year, date.month - 1, date.day + 1));
    date = { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
    if (isBusinessDay(date, calendar)) counted += 1;
  }
  return zonedTimeToEpochMs({ ...date, hour: start.hour, minute: start.minute, second: start.second }, calendar.timeZone);
}
