import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../../lib/http/retry-after.js';

const now = Date.parse('2025-03-01T10:00:00Z');

describe('retryDelayMs', () => {
  it('reads delta-seconds', () => {
    expect(retryDelayMs('120', undefined, now)).toBe(120_000);
  });

  it('reads an HTTP date', () => {
    expect(retryDelayMs('Sat, 01 Mar 2025 10:05:00 GMT', undefined, now)).toBe(300_000);
  });

  it('falls back to the announced end of maintenance', () => {
    expect(retryDelayMs(null, '2025-03-01T10:30:00.000Z', now)).toBe(1_800_000);
  });

  it('prefers the header over the body', () => {
    expect(retryDelayMs('30', '2025-03-01T10:30:00.000Z', now)).toBe(30_000);
  });

  it('never asks for less than a second', () => {
    expect(retryDelayMs('0', undefined, now)).toBe(1_000);
    expect(retryDelayMs(null, '2025-03-01T09:00:00.000Z', now)).toBe(1_000);
  });

  it('knows nothing from nothing or from garbage', () => {
    expect(retryDelayMs(null, undefined, now)).toBeUndefined();
    expect(retryDelayMs('soon', 'later', now)).toBeUndefined();
  });
});
