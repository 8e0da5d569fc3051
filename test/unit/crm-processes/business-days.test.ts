import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  formatZoned,
  isBusinessDay,
  localDateTime,
  offsetMinutes,
  zonedTimeToEpochMs,
} from '../../../workflows/processes/business-days.js';

const MOSCOW = { timeZone: 'Europe/Moscow', holidays: [] as string[] };
const deadline = (iso: string, calendar: { timeZone: string; holidays: string[] }, days = 2) =>
  formatZoned(addBusinessDays(Date.parse(iso), days, calendar), calendar.timeZone);

describe('business days in the portal time zone', () => {
  it('adds two business days within a week, keeping the local time', () => {
    // Tuesday 10:15 Moscow → Thursday 10:15.
    expect(deadline('2026-03-10T07:15:00Z', MOSCOW)).toBe('2026-03-12T10:15:00+03:00');
  });

  it('skips the weekend', () => {
    // Thursday → Monday; Friday → Tuesday.
    expect(deadline('2026-03-12T09:00:00+03:00', MOSCOW)).toBe('2026-03-16T09:00:00+03:00');
    expect(deadline('2026-03-13T17:30:00+03:00', MOSCOW)).toBe('2026-03-17T17:30:00+03:00');
  });

  it('counts from the next business day when the claim arrives on a weekend', () => {
    // Saturday and Sunday → Tuesday (Monday is day 1).
    expect(deadline('2026-03-14T12:00:00+03:00', MOSCOW)).toBe('2026-03-17T12:00:00+03:00');
    expect(deadline('2026-03-15T23:59:00+03:00', MOSCOW)).toBe('2026-03-17T23:59:00+03:00');
  });

  it('uses the local date, not the UTC date, near midnight', () => {
    // Friday 22:30 UTC is already Saturday 01:30 in Moscow → Tuesday.
    expect(deadline('2026-03-13T22:30:00Z', MOSCOW)).toBe('2026-03-17T01:30:00+03:00');
    // The same instant in New York is still Friday 18:30 (EDT since March 8) → Tuesday 18:30.
    expect(deadline('2026-03-13T22:30:00Z', { timeZone: 'America/New_York', holidays: [] })).toBe('2026-03-17T18:30:00-04:00');
  });

  it('skips configured holidays, also next to a weekend', () => {
    const calendar = { timeZone: 'Europe/Moscow', holidays: ['2026-05-01', '2026-05-04', '2026-05-11'] };
    // Thursday 30 April: Friday 1 May holiday, weekend, Monday 4 May holiday → Tuesday 5, Wednesday 6.
    expect(deadline('2026-04-30T11:00:00+03:00', calendar)).toBe('2026-05-06T11:00:00+03:00');
    // Friday 8 May: weekend, Monday 11 May holiday → Tuesday 12, Wednesday 13.
    expect(deadline('2026-05-08T11:00:00+03:00', calendar)).toBe('2026-05-13T11:00:00+03:00');
    expect(isBusinessDay({ year: 2026, month: 5, day: 4 }, calendar)).toBe(false);
    expect(isBusinessDay({ year: 2026, month: 5, day: 5 }, calendar)).toBe(true);
  });

  it('crosses a year end with New Year holidays', () => {
    const calendar = { timeZone: 'Europe/Moscow', holidays: ['2027-01-01', '2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08'] };
    // Thursday 31 December 2026 → Monday 11, Tuesday 12 January 2027.
    expect(deadline('2026-12-31T15:00:00+03:00', calendar)).toBe('2027-01-12T15:00:00+03:00');
  });

  it('keeps the wall-clock time across a DST change and reports the new offset', () => {
    const berlin = { timeZone: 'Europe/Berlin', holidays: [] as string[] };
    // Friday 27 March 2026 09:00 CET → Tuesday 31 March 09:00 CEST (clocks went forward on Sunday 29).
    expect(deadline('2026-03-27T09:00:00+01:00', berlin)).toBe('2026-03-31T09:00:00+02:00');
    // Friday 23 October 2026 09:00 CEST → Tuesday 27 October 09:00 CET (clocks went back on Sunday 25).
    expect(deadline('2026-10-23T09:00:00+02:00', berlin)).toBe('2026-10-27T09:00:00+01:00');
  });

  it('moves a wall-clock time that a DST jump skips forward by the gap', () => {
    // 02:30 on 29 March 2026 does not exist in Berlin; it becomes 03:30 CEST = 01:30 UTC.
    const instant = zonedTimeToEpochMs({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin');
    expect(new Date(instant).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(offsetMinutes(instant, 'Europe/Berlin')).toBe(120);
  });

  it('reads the local year of an instant in the zone', () => {
    // New Year's Eve 22:30 UTC is already 2027 in Moscow.
    expect(localDateTime(Date.parse('2026-12-31T22:30:00Z'), 'Europe/Moscow').year).toBe(2027);
    expect(localDateTime(Date.parse('2026-12-31T22:30:00Z'), 'Europe/London').year).toBe(2026);
  });
});
