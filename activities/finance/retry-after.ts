const MIN_RETRY_DELAY_MS = 1_000;

/**
 * Milliseconds to wait before the next attempt, from a `Retry-After` header (delta-seconds or an HTTP date,
 * RFC 9110 §10.2.3) or, failing that, from an ISO `until` instant. Never below one second, so a `Retry-After: 0`
 * cannot turn into a hot retry loop.
 */
export function retryDelayMs(retryAfter: string | null, until?: string, now = Date.now()): number | undefined {
  const fromHeader = retryAfter ? parseRetryAfter(retryAfter.trim(), now) : undefined;
  const fromUntil = until ? Date.parse(until) - now : undefined;
  const delay = fromHeader ?? (fromUntil !== undefined && Number.isFinite(fromUntil) ? fromUntil : undefined);
  return delay === undefined ? undefined : Math.max(MIN_RETRY_DELAY_MS, Math.ceil(delay));
}

function parseRetryAfter(value: string, now: number): number | undefined {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? date - now : undefined;
}
