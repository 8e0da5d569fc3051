import { systemClock, type Clock } from './clock.js';
import { Bitrix24Error } from './errors.js';
import { defaultUrgentReserve, type RequestBudget, type RequestPriority, type RequestSlot } from './request-budget.js';
import type { Bitrix24Time } from './response.js';

export type { RequestPriority } from './request-budget.js';

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

/** Call once the response (or the failure) is back: the request starts draining from the bucket only then. */
export type ReleaseSlot = () => void;

export interface PortalRateLimiter {
  /**
   * Waits until one more request to this portal fits the bucket and every method in `methods` is within its
   * operating budget. Rejects with the signal's reason when it aborts.
   */
  acquire(memberId: string, methods: readonly string[], signal?: AbortSignal, priority?: RequestPriority): Promise<ReleaseSlot>;
  /** The bucket alone, as a request budget of this process. */
  readonly requests: RequestBudget;
  /** Waits (at most `maxWaitMs`) until every method in `methods` is within its operating budget. */
  waitForOperatingBudget(memberId: string, methods: readonly string[], signal?: AbortSignal): Promise<void>;
  /**
   * Feeds the `time` block of a response (or a batch sub-result) into the method's operating budget. A block without
   * `operating` (batch sub-results) adds its `duration` to this process's own estimate of the method's sum.
   */
  recordTime(memberId: string, method: string, time: Bitrix24Time | undefined): void;
  /** Bitrix24 answered OPERATION_TIME_LIMIT: the method stays blocked until `resetAtMs` (unix ms). */
  noteMethodBlocked(memberId: string, method: string, resetAtMs: number): void;
  /** Bitrix24 answered QUERY_LIMIT_EXCEEDED: its bucket is full whatever we counted (other apps share it). */
  noteBucketFull(memberId: string): void;
  counters(): RateLimiterCounters;
}

export interface RateLimiterOptions {
  rateLimit?: RateLimitSettings;
  operatingBudget?: Partial<OperatingBudgetSettings>;
  /** Slots of the burst only urgent requests may take. Default: a fifth of the burst. */
  urgentReserve?: number;
  clock?: Clock;
}

interface Waiter {
  enqueuedAtMs: number;
  priority: RequestPriority;
  /** Set once the waiter could not be served on arrival; only those count as waits. */
  queued: boolean;
  grant: () => void;
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

const MINUTE_MS = 60_000;
/** Bitrix24 sums a method's execution time in ten one-minute baskets ([EN] settings/performance/limits.md). */
const OPERATING_WINDOW_MINUTES = 10;

/**
 * Per-portal leaky bucket mirroring Bitrix24's own ([EN] limits.md), so a storm of calls waits instead of provoking
 * 503s. Counting each request from send until answer plus its drain afterwards keeps our level at or above the
 * portal's whatever the network delays. It holds for one process; docs/rate-limits.md explains the shared budget.
 */
export function createPortalRateLimiter(options: RateLimiterOptions = {}): PortalRateLimiter {
  const { perSecond, burst } = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const urgentReserve = Math.min(burst - 1, Math.max(0, options.urgentReserve ?? defaultUrgentReserve(burst)));
  const budget = { ...DEFAULT_OPERATING_BUDGET, ...options.operatingBudget };
  const clock = options.clock ?? systemClock;
  const buckets = new Map<string, Bucket>();
  const methodBudgets = new Map<string, MethodBudget>();
  /** Our own per-minute sums of sub-command durations, for methods whose answers carry no `operating`. */
  const estimates = new Map<string, Map<number, number>>();
  const counters: RateLimiterCounters = { waits: 0, waitedMs: 0, operatingWaits: 0, operatingWaitedMs: 0 };

  const ceilingFor = (priority: RequestPriority) => (priority === 'urgent' ? burst : burst - urgentReserve);

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

  function slotFor(memberId: string): RequestSlot {
    let settled = false;
    const settle = (spent: boolean) => {
      if (settled) return;
      settled = true;
      const bucket = drainedBucket(memberId);
      bucket.inFlight -= 1;
      if (spent) bucket.level += 1;
      grantSlots(memberId);
    };
    return { release: () => settle(true), giveBack: () => settle(false) };
  }

  /** Hands out slots in queue order while they fit under each waiter's ceiling; otherwise waits for a drain or an answer. */
  function grantSlots(memberId: string): void {
    const bucket = drainedBucket(memberId);
    for (let head = bucket.queue[0]; head !== undefined; head = bucket.queue[0]) {
      if (bucket.inFlight + bucket.level + 1 > ceilingFor(head.priority)) break;
      bucket.queue.shift();
      bucket.inFlight += 1;
      if (head.queued) {
        counters.waits += 1;
        counters.waitedMs += clock.now() - head.enqueuedAtMs;
      }
      head.grant();
    }
    const head = bucket.queue[0];
    // When in-flight requests alone fill the ceiling, the next answer (release) calls us again. Decided on integer
    // counts: comparing the float excess with the level could strand the queue with nothing in flight and no timer.
    if (head === undefined || bucket.drainTimerPending || bucket.inFlight + 1 > ceilingFor(head.priority)) return;
    const excess = bucket.inFlight + bucket.level + 1 - ceilingFor(head.priority);
    bucket.drainTimerPending = true;
    // +1 ms: timers may fire up to a millisecond early, and arriving early is what earns a 503.
    const waitMs = Math.ceil((excess / perSecond) * 1000) + 1;
    void clock.sleep(waitMs).then(() => {
      bucket.drainTimerPending = false;
      grantSlots(memberId);
    });
  }

  function waitForBucket(memberId: string, signal: AbortSignal | undefined, priority: RequestPriority): Promise<RequestSlot> {
    signal?.throwIfAborted();
    return new Promise<RequestSlot>((resolve, reject) => {
      const bucket = drainedBucket(memberId);
      const onAbort = (): void => {
        bucket.queue = bucket.queue.filter((candidate) => candidate !== waiter);
        reject(signal?.reason);
        // The aborted waiter may have been the head that held ordinary ones behind a higher ceiling.
        grantSlots(memberId);
      };
      const waiter: Waiter = {
        enqueuedAtMs: clock.now(),
        priority,
        queued: false,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(slotFor(memberId));
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

  /** Our estimate of a method's operating sum and when its oldest basket leaves the window. */
  function estimatedBudget(key: string, now: number): MethodBudget | undefined {
    const baskets = estimates.get(key);
    if (baskets === undefined) return undefined;
    const currentMinute = Math.floor(now / MINUTE_MS);
    let operatingSeconds = 0;
    let oldest = Number.POSITIVE_INFINITY;
    for (const [minute, seconds] of baskets) {
      if (minute <= currentMinute - OPERATING_WINDOW_MINUTES) {
        baskets.delete(minute);
        continue;
      }
      operatingSeconds += seconds;
      oldest = Math.min(oldest, minute);
    }
    if (baskets.size === 0) {
      estimates.delete(key);
      return undefined;
    }
    return { operatingSeconds, resetAtMs: (oldest + OPERATING_WINDOW_MINUTES) * MINUTE_MS };
  }

  /** Milliseconds until the most exhausted of `methods` leaves its block, or 0. */
  function operatingWaitMs(memberId: string, methods: readonly string[]): { waitMs: number; method: string } {
    const now = clock.now();
    let longest = { waitMs: 0, method: '' };
    for (const method of methods) {
      const key = budgetKey(memberId, method);
      let reported = methodBudgets.get(key);
      if (reported !== undefined && reported.resetAtMs <= now) {
        methodBudgets.delete(key);
        reported = undefined;
      }
      for (const state of [reported, estimatedBudget(key, now)]) {
        if (state === undefined || state.operatingSeconds < budget.limitSeconds * budget.threshold) continue;
        const waitMs = state.resetAtMs - now;
        if (waitMs > longest.waitMs) longest = { waitMs, method };
      }
    }
    return longest;
  }

  async function waitForOperatingBudget(memberId: string, methods: readonly string[], signal?: AbortSignal): Promise<void> {
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

  function noteBucketFull(memberId: string): void {
    const bucket = drainedBucket(memberId);
    bucket.level = Math.max(bucket.level, burst);
    grantSlots(memberId);
  }

  return {
    async acquire(memberId, methods, signal, priority = 'normal') {
      await waitForOperatingBudget(memberId, methods, signal);
      const slot = await waitForBucket(memberId, signal, priority);
      return () => slot.release();
    },
    requests: {
      acquire: (memberId, priority, signal) => waitForBucket(memberId, signal, priority),
      noteBucketFull,
    },
    waitForOperatingBudget,
    recordTime(memberId, method, time) {
      const key = budgetKey(memberId, method);
      const operating = time?.operating;
      const resetAt = time?.operating_reset_at;
      if (typeof operating === 'number' && typeof resetAt === 'number') {
        methodBudgets.set(key, { operatingSeconds: operating, resetAtMs: resetAt * 1000 });
        return;
      }
      const duration = time?.duration;
      if (typeof duration !== 'number' || !Number.isFinite(duration) || duration <= 0) return;
      const minute = Math.floor(clock.now() / MINUTE_MS);
      const baskets = estimates.get(key) ?? new Map<number, number>();
      baskets.set(minute, (baskets.get(minute) ?? 0) + duration);
      estimates.set(key, baskets);
    },
    noteMethodBlocked(memberId, method, resetAtMs) {
      methodBudgets.set(budgetKey(memberId, method), { operatingSeconds: budget.limitSeconds, resetAtMs });
    },
    noteBucketFull,
    counters: () => ({ ...counters }),
  };
}
