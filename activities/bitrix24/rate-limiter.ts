import { systemClock, type Clock } from './clock.js';
import { Bitrix24Error, type Bitrix24TimeInfo } from './errors.js';

export interface RateLimitSettings {
  /** Requests the portal's bucket drains per second (2; Enterprise 5). */
  perSecond: number;
  /** Bucket size (50; Enterprise 250). */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = { perSecond: 2, burst: 50 };
export const ENTERPRISE_RATE_LIMIT: RateLimitSettings = { perSecond: 5, burst: 250 };

export interface OperatingBudgetSettings {
  /** Seconds of execution time per method per 10 minutes before Bitrix24 blocks it (480 on cloud). */
  limitSeconds: number;
  /** Fraction of the limit from which calls wait for `operating_reset_at` instead of provoking a block. */
  threshold: number;
  /**
   * Longest wait inside one call. A longer predicted block fails at once with a retryable OPERATION_TIME_LIMIT
   * carrying the delay, so the activity slot is freed and Temporal retries on time.
   */
  maxWaitMs: number;
}

export const DEFAULT_OPERATING_BUDGET: OperatingBudgetSettings = { limitSeconds: 480, threshold: 0.9, maxWaitMs: 30_000 };

export interface RateLimiterCounters {
  /** Calls that had to wait for the request bucket. */
  waits: number;
  waitedMs: number;
  /** Calls that had to wait for a method's operating budget. */
  operatingWaits: number;
  operatingWaitedMs: number;
}

export interface PortalRateLimiter {
  /**
   * Waits until one more request to this portal fits the bucket and every method in `methods` is within its
   * operating budget. Rejects with the signal's reason when it aborts.
   */
  acquire(memberId: string, methods: readonly string[], signal?: AbortSignal): Promise<void>;
  /** Feeds the `time` block of a response (or a batch sub-result) into the method's operating budget. */
  recordTime(memberId: string, method: string, time: Bitrix24TimeInfo | undefined): void;
  /** Bitrix24 answered OPERATION_TIME_LIMIT: the method stays blocked until `resetAtMs` (unix ms). */
  noteMethodBlocked(memberId: string, method: string, resetAtMs: number): void;
  /** Bitrix24 answered QUERY_LIMIT_EXCEEDED: its bucket is full whatever we counted (other apps share it). */
  noteBucketFull(memberId: string): void;
  counters(): RateLimiterCounters;
}

export interface RateLimiterOptions {
  rateLimit?: RateLimitSettings;
  operatingBudget?: Partial<OperatingBudgetSettings>;
  clock?: Clock;
}

interface Bucket {
  /** Requests counted and not yet drained; above `burst` the excess is reserved by waiting callers. */
  level: number;
  updatedAtMs: number;
}

interface MethodBudget {
  operatingSeconds: number;
  resetAtMs: number;
}

/** Per-portal leaky bucket mirroring Bitrix24's own, so a storm of calls waits instead of provoking 503s. */
export function createPortalRateLimiter(options: RateLimiterOptions = {}): PortalRateLimiter {
  const { perSecond, burst } = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const budget = { ...DEFAULT_OPERATING_BUDGET, ...options.operatingBudget };
  const clock = options.clock ?? systemClock;
  const buckets = new Map<string, Bucket>();
  const methodBudgets = new Map<string, MethodBudget>();
  const counters: RateLimiterCounters = { waits: 0, waitedMs: 0, operatingWaits: 0, operatingWaitedMs: 0 };

  function drainedBucket(memberId: string): Bucket {
    const now = clock.now();
    const bucket = buckets.get(memberId) ?? { level: 0, updatedAtMs: now };
    bucket.level = Math.max(0, bucket.level - ((now - bucket.updatedAtMs) / 1000) * perSecond);
    bucket.updatedAtMs = now;
    buckets.set(memberId, bucket);
    return bucket;
  }

  function budgetKey(memberId: string, method: string): string {
    return `${memberId}\u0000${method.toLowerCase()}`;
  }

  /** Milliseconds until the most exhausted of `methods` leaves its block, or 0. */
  function operatingWaitMs(memberId: string, methods: readonly string[]): { waitMs: number; method: string } {
    const now = clock.now();
    let longest = { waitMs: 0, method: '' };
    for (const method of methods) {
      const key = budgetKey(memberId, method);
      const state = methodBudgets.get(key);
      if (state === undefined) continue;
      if (state.resetAtMs <= now) {
        methodBudgets.delete(key);
        continue;
      }
      if (state.operatingSeconds < budget.limitSeconds * budget.threshold) continue;
      const waitMs = state.resetAtMs - now;
      if (waitMs > longest.waitMs) longest = { waitMs, method };
    }
    return longest;
  }

  async function waitForOperatingBudget(memberId: string, methods: readonly string[], signal?: AbortSignal) {
    const { waitMs, method } = operatingWaitMs(memberId, methods);
    if (waitMs <= 0) return;
    if (waitMs > budget.maxWaitMs) {
      throw new Bitrix24Error({
        code: 'OPERATION_TIME_LIMIT',
        status: 0,
        description: 'operating time budget nearly spent; waiting for operating_reset_at',
        method,
        retryDelayMs: Math.ceil(waitMs),
      });
    }
    counters.operatingWaits += 1;
    counters.operatingWaitedMs += waitMs;
    await clock.sleep(waitMs, signal);
  }

  async function waitForBucket(memberId: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const bucket = drainedBucket(memberId);
    bucket.level += 1;
    if (bucket.level <= burst) return;
    const waitMs = Math.ceil(((bucket.level - burst) / perSecond) * 1000);
    counters.waits += 1;
    counters.waitedMs += waitMs;
    try {
      await clock.sleep(waitMs, signal);
    } catch (error) {
      // Give the reserved slot back: this request will never be sent.
      const drained = drainedBucket(memberId);
      drained.level = Math.max(0, drained.level - 1);
      throw error;
    }
  }

  return {
    async acquire(memberId, methods, signal) {
      await waitForOperatingBudget(memberId, methods, signal);
      await waitForBucket(memberId, signal);
    },
    recordTime(memberId, method, time) {
      const operating = time?.operating;
      const resetAt = time?.operating_reset_at;
      if (typeof operating !== 'number' || typeof resetAt !== 'number') return;
      methodBudgets.set(budgetKey(memberId, method), { operatingSeconds: operating, resetAtMs: resetAt * 1000 });
    },
    noteMethodBlocked(memberId, method, resetAtMs) {
      methodBudgets.set(budgetKey(memberId, method), { operatingSeconds: budget.limitSeconds, resetAtMs });
    },
    noteBucketFull(memberId) {
      const bucket = drainedBucket(memberId);
      bucket.level = Math.max(bucket.level, burst);
    },
    counters: () => ({ ...counters }),
  };
}
