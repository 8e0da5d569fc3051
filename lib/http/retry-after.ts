const MIN_RETRY_DELAY_MS = 1_000;

/**
 * Milliseconds an HTTP service asked us to wait: `Retry-After` (delta-seconds or an HTTP date, RFC 9110 §10.2.3),
 * else a fallback instant the service announced elsewhere (the finance API's maintenance `until`, Jira's
 * `X-RateLimit-Reset`). Never below one second, so a `Retry-After: 0` cannot turn into a hot retry loop.
 */
export function retryDelayMs(retryAfter: string | null | undefined, fallbackInstant?: string | null, now = Date.now()): number | undefined {
  const header = retryAfter?.trim();
  const fallback = fallbackInstant?.trim();
  const delay = (header ? fromRetryAfter(header, now) : undefined) ?? (fallback ? fromInstant(fallback, now) : undefined);
  return delay === undefined ? undefined : Math.max(MIN_RETRY_DELAY_MS, Math.ceil(delay));
}

function fromRetryAfter(value: string, now: number): number | undefined {
  return /^\d+$/.test(value) ? Number(value) * 1000 : fromInstant(value, now);
}

function fromInstant(value: string, now: number): number | undefined {
  const instant = Date.parse(value);
  return Number.isFinite(instant) ? instant - now : undefined;
}
