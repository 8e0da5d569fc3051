const MIN_RETRY_DELAY_MS = 1_000;

/**
 * Milliseconds Jira asked us to wait: `Retry-After` (delta-seconds or HTTP date), else `X-RateLimit-Reset`
 * (ISO instant), as Jira Cloud's rate-limiting guide describes. Never below one second.
 */
export function jiraRetryDelayMs(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  const reset = headers.get('x-ratelimit-reset')?.trim();
  const delay = (retryAfter ? fromRetryAfter(retryAfter, now) : undefined) ?? (reset ? fromInstant(reset, now) : undefined);
  return delay === undefined ? undefined : Math.max(MIN_RETRY_DELAY_MS, Math.ceil(delay));
}

function fromRetryAfter(value: string, now: number): number | undefined {
  return /^\d+$/.test(value) ? Number(value) * 1000 : fromInstant(value, now);
}

function fromInstant(value: string, now: number): number | undefined {
  const instant = Date.parse(value);
  return Number.isFinite(instant) ? instant - now : undefined;
}
