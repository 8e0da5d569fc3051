import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { GRANT_VALIDITY_MS, type TakeSlotsAnswer, type TakeSlotsRequest } from '../../contracts/portal-budget.js';
import { BATCH_CHUNK_SIZE } from './batch-command.js';
import { systemClock, type Clock } from './clock.js';
import type { RateLimitSettings } from './rate-limiter.js';
import type { RequestBudget, RequestPriority, RequestSlot } from './request-budget.js';

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
  /** Longest wait for one answer of the holder before this process falls back to its own bucket. Default 5 s. */
  holderTimeoutMs?: number;
}

export interface SharedBudgetCounters {
  /** Slots granted by the holder, and the Updates that asked for them. */
  grants: number;
  asks: number;
  /** Answers that granted nothing: the waiters slept until the bucket had drained. */
  refusals: number;
  /** Grants that came back too late to be used safely. */
  staleGrants: number;
  /** Slots served by this process's own bucket because the holder did not answer. */
  fallbacks: number;
}

export type SharedRequestBudget = RequestBudget & { counters(): SharedBudgetCounters };

interface Waiter {
  priority: RequestPriority;
  signal: AbortSignal | undefined;
  grant(slot: RequestSlot): void;
  fail(error: unknown): void;
  done: boolean;
}

interface PortalWaiters {
  queue: Waiter[];
  sharers: number;
  asking: RequestPriority | undefined;
  /** Cuts the wait after a refusal short when an urgent waiter arrives behind ordinary ones. */
  wake: AbortController | undefined;
  staleInARow: number;
}

/** Slots are counted by the holder when granted: nothing to release, and nothing can be given back. */
const COUNTED_AT_GRANT: RequestSlot = { release: () => undefined, giveBack: () => undefined };
const STALE_GRANTS_BEFORE_FALLBACK = 3;

/**
 * A request budget shared by every worker process of a portal (docs/rate-limits.md). The waiters of this process
 * are served by one Update at a time per portal, asking for as many slots as wait (urgent ones first, alone), so a
 * storm costs the holder one Update per grant round, not one per request. A grant whose answer took longer than
 * GRANT_VALIDITY_MS is dropped: the holder counted it as sent at once.
 */
export function createSharedRequestBudget(deps: SharedBudgetDeps): SharedRequestBudget {
  const clock = deps.clock ?? systemClock;
  const holderTimeoutMs = deps.holderTimeoutMs ?? 5_000;
  const counters: SharedBudgetCounters = { grants: 0, asks: 0, refusals: 0, staleGrants: 0, fallbacks: 0 };
  const portals = new Map<string, PortalWaiters>();
  const client = randomUUID();
  let lastWarningAt = Number.NEGATIVE_INFINITY;

  function warn(error: unknown, memberId: string): void {
    if (clock.now() - lastWarningAt < 60_000) return;
    lastWarningAt = clock.now();
    deps.logger?.warn({ err: error, memberId }, 'the shared request budget did not answer: this process counts on its own for now');
  }

  function portalOf(memberId: string): PortalWaiters {
    let portal = portals.get(memberId);
    if (portal === undefined) {
      portal = { queue: [], sharers: 1, asking: undefined, wake: undefined, staleInARow: 0 };
      portals.set(memberId, portal);
    }
    return portal;
  }

  async function ask(memberId: string, request: TakeSlotsRequest): Promise<TakeSlotsAnswer> {
    const stop = new AbortController();
    const timeout = clock.sleep(holderTimeoutMs, stop.signal).then(() => {
      throw new Error(`the budget holder did not answer within ${holderTimeoutMs} ms`);
    });
    try {
      return await Promise.race([deps.holder.take(memberId, request), timeout]);
    } finally {
      stop.abort();
      timeout.catch(() => undefined);
    }
  }

  /** This process's waiters go to its own bucket for this round. */
  function fallBack(memberId: string, waiters: Waiter[]): void {
    for (const waiter of waiters) {
      counters.fallbacks += 1;
      waiter.done = true;
      deps.fallback.acquire(memberId, waiter.priority, waiter.signal).then(waiter.grant, waiter.fail);
    }
  }

  async function pump(memberId: string): Promise<void> {
    const portal = portalOf(memberId);
    portal.queue = portal.queue.filter((waiter) => !waiter.done);
    if (portal.asking !== undefined || portal.queue.length === 0) return;
    const head = portal.queue[0] as Waiter;
    portal.asking = head.priority;
    try {
      const asking = portal.queue.filter((waiter) => waiter.priority === head.priority).slice(0, BATCH_CHUNK_SIZE);
      const askedAt = clock.now();
      counters.asks += 1;
      let answer: TakeSlotsAnswer;
      try {
        answer = await ask(memberId, { slots: asking.length, priority: head.priority, ...deps.rateLimit, client });
      } catch (error) {
        warn(error, memberId);
        fallBack(memberId, portal.queue.splice(0));
        return;
      }
      portal.sharers = answer.activeClients;
      if (answer.granted === 0) {
        counters.refusals += 1;
        portal.wake = new AbortController();
        await clock.sleep(answer.retryInMs, portal.wake.signal).catch(() => undefined);
        portal.wake = undefined;
        return;
      }
      if (clock.now() - askedAt > GRANT_VALIDITY_MS) {
        counters.staleGrants += 1;
        portal.staleInARow += 1;
        if (portal.staleInARow >= STALE_GRANTS_BEFORE_FALLBACK) {
          portal.staleInARow = 0;
          warn(new Error('grants arrive too late to be used'), memberId);
          fallBack(memberId, portal.queue.splice(0));
        }
        return;
      }
      portal.staleInARow = 0;
      let granted = answer.granted;
      for (const waiter of asking) {
        if (granted === 0) break;
        // A waiter that gave up meanwhile leaves its slot to the next one asked for.
        if (waiter.done) continue;
        granted -= 1;
        counters.grants += 1;
        waiter.done = true;
        waiter.grant(COUNTED_AT_GRANT);
      }
    } finally {
      portal.asking = undefined;
      void pump(memberId);
    }
  }

  return {
    acquire(memberId, priority, signal) {
      signal?.throwIfAborted();
      return new Promise<RequestSlot>((resolve, reject) => {
        const portal = portalOf(memberId);
        const onAbort = () => {
          waiter.done = true;
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          priority,
          signal,
          done: false,
          grant: (slot) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(slot);
          },
          fail: (error) => {
            signal?.removeEventListener('abort', onAbort);
            reject(error);
          },
        };
        // Urgent waiters go behind the urgent ones already waiting and ahead of every ordinary one.
        const firstOrdinary = priority === 'urgent' ? portal.queue.findIndex((queued) => queued.priority === 'normal') : -1;
        if (firstOrdinary === -1) portal.queue.push(waiter);
        else portal.queue.splice(firstOrdinary, 0, waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
        if (priority === 'urgent' && portal.asking === 'normal') portal.wake?.abort();
        void pump(memberId);
      });
    },
    sharers: (memberId) => portalOf(memberId).sharers,
    noteBucketFull(memberId) {
      deps.fallback.noteBucketFull(memberId);
      deps.holder.bucketFull(memberId).catch((error: unknown) => warn(error, memberId));
    },
    counters: () => ({ ...counters }),
  };
}
