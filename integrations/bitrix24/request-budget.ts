import { URGENT_RESERVE_SHARE } from '../../contracts/portal-budget.js';

/** `urgent` requests are served before queued `normal` ones (FIFO within each) and may use the urgent reserve. */
export type RequestPriority = 'urgent' | 'normal';

/** One granted request to a portal. */
export interface RequestSlot {
  /** The request's answer (or its failure) is back. */
  release(): void;
  /** Nothing was sent with this slot: it goes back unspent where the budget can tell. */
  giveBack(): void;
}

/**
 * The portal's request budget (Bitrix24's leaky bucket, [EN] settings/performance/limits.md): how many requests may go
 * now. A budget holds for every process that shares it; see docs/rate-limits.md.
 */
export interface RequestBudget {
  /** Resolves once one more request to the portal fits. Rejects with the signal's reason when it aborts. */
  acquire(memberId: string, priority: RequestPriority, signal?: AbortSignal): Promise<RequestSlot>;
  /** Bitrix24 answered QUERY_LIMIT_EXCEEDED: its bucket is full whatever was counted (other apps share it). */
  noteBucketFull(memberId: string): void;
  /** Processes spending this budget for the portal lately (a budget of one process: 1). */
  sharers?(memberId: string): number;
}

/** Slots of the burst only urgent requests may take. */
export function defaultUrgentReserve(burst: number): number {
  return Math.floor(burst * URGENT_RESERVE_SHARE);
}
