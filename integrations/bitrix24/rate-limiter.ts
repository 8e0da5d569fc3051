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

export const DEFAULT_OPERATING_BUDGET: OperatingBudgetSettings = {
  limitSeconds: 480,
  threshold: 0.9,
  maxWaitMs: 30_000,
};

export interface RateLimiterCounters {
  /** Calls that had to wait for the request bucket. */
  waits: number;
  waitedMs: number;
  /** Calls that had to wait for a method's operating budget. */
  operatingWaits: number;
  operatingWaitedMs: number;
}

/** `urgent` requests are served before queued `normal` ones (FIFO within each). */
export type RequestPriority = 'urgent' | 'normal';

/** Call once the response (or the failure) is back: the request starts draining from the bucket only then. */
export type ReleaseSlot = () => void;

export interface PortalRateLimiter {
  /**
   * Waits until one more request to this portal fits the bucket and every method in `methods` is within its
   * operating budget. Rejects with the signal's reason when it aborts.
   */
  acquire(memberId: string, methods: readonly string[], signal?: AbortSignal, priority?: RequestPriority): Promise<ReleaseSlot>;
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

interface Waiter {
  enqueuedAtMs: number;
  priority: RequestPriority;
  /** Set once the waiter could not be served on arrival; only those count as waits. */
  queued: boolean;
  grant: (release: ReleaseSlot) => void;
}

interface Bucket {
  /** Completed requests not yet drained. */
  level: number;
  updatedAtMs: number;
  /**
   * Requests sent and not answered. They count in full: the portal may receive them at any moment until the
   * answer, so their drain starts only then (network jitter cannot bunch arrivals above the burst).
   */
  inFlight: number;
  queue: Waiter[];
  drainTimerPending: boolean;
}

interface MethodBudget {
  operatingSeconds: number;
  resetAtMs: number;
}

/**
 * Per-portal leaky bucket mirroring Bitrix24's own ([EN] limits.md), so a storm of calls waits instead of provoking
 * 503s. Counting each request from send until answer plus its drain afterwards keeps our level at or above the
 * portal's whatever the network delays.
 */
export function createPortalRateLimiter(options: RateLimiterOptions = {}): PortalRateLimiter {
  const { perSecond, burst } = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const budget = { ...DEFAULT_OPERATING_BUDGET, ...options.operatingBudget };
  const clock = options.clock ?? systemClock;
  const buckets = new Map<string, Bucket>();
  const methodBudgets = new Map<string, MethodBudget>();
  const counters: RateLimiterCounters = { waits: 0, waitedMs: 0, operatingWaits: 0, operatingWaitedMs: 0 };

  function drainedBucket(memberId: string): Bucket {
    const now = clock.now();
    let bucket = buckets.get(memberId);
    if (bucket === undefined) {
      bucket = { level: 0, updatedAtMs: now, inFlight: 0, queue: [], drainTimerPending: false };
      buckets.set(memberId, bucket);
    }
    bucket.level = Math.max(0, bucket.level - ((now - bucket.updatedAtMs) / 1000) * perSecond);
    bucket.updatedAtMs = now;
    return bucket;
  }

  function releaser(memberId: string): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const bucket = drainedBucket(memberId);
      bucket.inFlight -= 1;
      bucket.level += 1;
      grantSlots(memberId);
    };
  }

  /** Hands out slots in FIFO order while they fit; otherwise waits for the drain or for an answer. */
  function grantSlots(memberId: string): void {
    const bucket = drainedBucket(memberId);
    while (bucket.queue.length > 0 && bucket.inFlight + bucket.level + 1 <= burst) {
      const waiter = bucket.queue.shift() as Waiter;
      bucket.inFlight += 1;
      if (waiter.queued) {
        counters.waits += 1;
        counters.waitedMs += clock.now() - waiter.enqueuedAtMs;
      }
      waiter.grant(releaser(memberId));
    }
    const excess = bucket.inFlight + bucket.level + 1 - burst;
    // When in-flight requests alone fill the bucket, the next answer (release) calls us again. Decided on integer
    // counts: comparing the float excess with the level could strand the queue with nothing in flight and no timer.
    if (bucket.queue.length === 0 || bucket.drainTimerPending || bucket.inFlight + 1 > burst) return;
    bucket.drainTimerPending = true;
    // +1 ms: timers may fire up to a millisecond early, and arriving early is what earns a 503.
    const waitMs = Math.ceil((excess / perSecond) * 1000) + 1;
    void clock.sleep(waitMs).then(() => {
      bucket.drainTimerPending = false;
      grantSlots(memberId);
    });
  }

  function waitForBucket(memberId: string, signal: AbortSignal | undefined, priority: RequestPriority): Promise<ReleaseSlot> {
    signal?.throwIfAborted();
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const bucket = drainedBucket(memberId);
      const onAbort = (): void => {
        bucket.queue = bucket.queue.filter((candidate) => candidate !== waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        enqueuedAtMs: clock.now(),
        priority,
        queued: false,
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      // An urgent waiter goes behind the urgent ones already queued and ahead of every ordinary one.
      const firstOrdinary = priority === 'urgent' ? bucket.queue.findIndex((queued) => queued.priority === 'normal') : -1;
      if (firstOrdinary === -1) bucket.queue.push(waiter);
      else bucket.queue.splice(firstOrdinary, 0, waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      grantSlots(memberId);
      waiter.queued = true;
    });
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

  return {
    async acquire(memberId, methods, signal, priority = 'normal') {
      await waitForOperatingBudget(memberId, methods, signal);
      return waitForBucket(memberId, signal, priority);
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
      grantSlots(memberId);
    },
    counters: () => ({ ...counters }),
  };
}
