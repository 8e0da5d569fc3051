import type { Logger } from 'pino';
import { GRANT_VALIDITY_MS, type TakeSlotsAnswer, type TakeSlotsRequest } from '../../contracts/portal-budget.js';
import { systemClock, type Clock } from './clock.js';
import type { RateLimitSettings } from './rate-limiter.js';
import type { RequestBudget, RequestSlot } from './request-budget.js';

/** Where the portal's shared bucket lives (the per-portal budget workflow; lib/portals/temporal-budget.ts). */
export interface SharedBudgetHolder {
  take(memberId: string, request: TakeSlotsRequest): Promise<TakeSlotsAnswer>;
  bucketFull(memberId: string): Promise<void>;
}

export interface SharedBudgetDeps {
  holder: SharedBudgetHolder;
  /** This process's own bucket, used while the holder cannot be reached. */
  fallback: RequestBudget;
  rateLimit: RateLimitSettings;
  clock?: Clock;
  logger?: Logger;
  /** Longest wait for one grant before this process falls back to its own bucket. Default 5 s. */
  holderTimeoutMs?: number;
}

export interface SharedBudgetCounters {
  grants: number;
  /** Answers that granted nothing: the caller waited for the bucket to drain. */
  refusals: number;
  /** Grants that came back too late to be used safely. */
  staleGrants: number;
  /** Acquisitions served by this process's own bucket because the holder did not answer. */
  fallbacks: number;
}

export type SharedRequestBudget = RequestBudget & { counters(): SharedBudgetCounters };

/** Slots are counted by the holder when granted: nothing to release, and nothing can be given back. */
const COUNTED_AT_GRANT: RequestSlot = { release: () => undefined, giveBack: () => undefined };
const STALE_GRANTS_BEFORE_FALLBACK = 3;

/**
 * A request budget shared by every worker process of a portal (docs/rate-limits.md): each slot is one Update to the
 * portal's budget holder, which answers with a grant or with the time to ask again. A grant whose answer took longer
 * than GRANT_VALIDITY_MS is dropped, because the holder assumes a granted request reaches Bitrix24 soon after.
 */
export function createSharedRequestBudget(deps: SharedBudgetDeps): SharedRequestBudget {
  const clock = deps.clock ?? systemClock;
  const holderTimeoutMs = deps.holderTimeoutMs ?? 5_000;
  const counters: SharedBudgetCounters = { grants: 0, refusals: 0, staleGrants: 0, fallbacks: 0 };
  let lastWarningAt = Number.NEGATIVE_INFINITY;

  function warn(error: unknown, memberId: string): void {
    if (clock.now() - lastWarningAt < 60_000) return;
    lastWarningAt = clock.now();
    deps.logger?.warn({ err: error, memberId }, 'the shared request budget did not answer: this process counts on its own for now');
  }

  async function take(memberId: string, request: TakeSlotsRequest, signal?: AbortSignal): Promise<TakeSlotsAnswer> {
    const stop = new AbortController();
    const timeout = clock.sleep(holderTimeoutMs, AbortSignal.any([stop.signal, ...(signal ? [signal] : [])])).then(() => {
      throw new Error(`no grant within ${holderTimeoutMs} ms`);
    });
    try {
      return await Promise.race([deps.holder.take(memberId, request), timeout]);
    } finally {
      stop.abort();
      timeout.catch(() => undefined);
    }
  }

  return {
    async acquire(memberId, priority, signal) {
      let stale = 0;
      for (;;) {
        signal?.throwIfAborted();
        const askedAt = clock.now();
        let answer: TakeSlotsAnswer;
        try {
          answer = await take(memberId, { slots: 1, priority, perSecond: deps.rateLimit.perSecond, burst: deps.rateLimit.burst }, signal);
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          warn(error, memberId);
          counters.fallbacks += 1;
          return deps.fallback.acquire(memberId, priority, signal);
        }
        if (answer.granted > 0) {
          if (clock.now() - askedAt <= GRANT_VALIDITY_MS) {
            counters.grants += 1;
            return COUNTED_AT_GRANT;
          }
          counters.staleGrants += 1;
          stale += 1;
          if (stale >= STALE_GRANTS_BEFORE_FALLBACK) {
            warn(new Error('grants arrive too late to be used'), memberId);
            counters.fallbacks += 1;
            return deps.fallback.acquire(memberId, priority, signal);
          }
          continue;
        }
        counters.refusals += 1;
        await clock.sleep(answer.retryInMs, signal);
      }
    },
    noteBucketFull(memberId) {
      deps.fallback.noteBucketFull(memberId);
      deps.holder.bucketFull(memberId).catch((error: unknown) => warn(error, memberId));
    },
    counters: () => ({ ...counters }),
  };
}
