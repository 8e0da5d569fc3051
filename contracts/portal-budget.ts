import { defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * The request budget of one portal shared by every worker process (docs/rate-limits.md): a per-portal workflow
 * holds Bitrix24's leaky bucket ([EN] settings/performance/limits.md) and grants request slots through an Update.
 */

export type BudgetPriority = 'urgent' | 'normal';

export interface TakeSlotsRequest {
  /** Slots wanted now (at least 1). */
  slots: number;
  priority: BudgetPriority;
  /** The portal's limits as the asking worker is configured (2 / 50; Enterprise 5 / 250). */
  perSecond: number;
  burst: number;
  /** Random id of the asking process, so the holder can tell how many processes share the portal. */
  client: string;
}

export interface TakeSlotsAnswer {
  /** Slots granted now, counted in the bucket from this moment; 0 when none fits. */
  granted: number;
  /** With nothing granted: when one slot of this priority fits again. */
  retryInMs: number;
  /** Processes that asked within the last ACTIVE_CLIENT_WINDOW_MS, the asking one included. */
  activeClients: number;
}

export interface BudgetState {
  level: number;
  /** Workflow time (unix ms) the level was last drained to. */
  updatedAtMs: number;
  /** Last ask per process id (workflow time). */
  clients?: Record<string, number>;
}

export const ACTIVE_CLIENT_WINDOW_MS = 10_000;

/** A grant older than this when its answer arrives is not used: the holder counted it as sent at grant time. */
export const GRANT_VALIDITY_MS = 1_000;
/** Allowance from sending a request until Bitrix24 counts its arrival. */
export const SEND_ALLOWANCE_MS = 1_000;
/** Part of the burst that only urgent requests may use, so a robot's answer finds room behind a storm. */
export const URGENT_RESERVE_SHARE = 0.2;

export const takeRequestSlotsUpdate = defineUpdate<TakeSlotsAnswer, [TakeSlotsRequest]>('portal-budget.take');
/** Bitrix24 answered QUERY_LIMIT_EXCEEDED: the portal's bucket is full whatever was counted. */
export const bucketFullSignal = defineSignal('portal-budget.bucket-full');

/**
 * The holder counts a request when it grants it, while Bitrix24 counts it when it arrives: up to
 * GRANT_VALIDITY_MS + SEND_ALLOWANCE_MS later. Over that delay the portal's level can exceed ours by the drain of
 * that time, so the holder keeps that many slots free.
 */
export function budgetMargin(perSecond: number): number {
  return Math.ceil((perSecond * (GRANT_VALIDITY_MS + SEND_ALLOWANCE_MS)) / 1000);
}

export function drained(state: BudgetState, perSecond: number, nowMs: number): BudgetState {
  const elapsedSeconds = Math.max(0, nowMs - state.updatedAtMs) / 1000;
  return { level: Math.max(0, state.level - elapsedSeconds * perSecond), updatedAtMs: Math.max(nowMs, state.updatedAtMs) };
}

/** Grants what fits under the priority's ceiling and tells a refused caller when to ask again. */
export function takeSlots(state: BudgetState, request: TakeSlotsRequest, nowMs: number): { state: BudgetState; answer: TakeSlotsAnswer } {
  const { perSecond, burst } = request;
  const current = drained(state, perSecond, nowMs);
  const reserve = request.priority === 'urgent' ? 0 : Math.floor(burst * URGENT_RESERVE_SHARE);
  const ceiling = Math.max(1, burst - budgetMargin(perSecond) - reserve);
  const granted = Math.max(0, Math.min(request.slots, Math.floor(ceiling - current.level)));
  const level = current.level + granted;
  // +1 ms: a timer may fire early, and asking early only costs another round trip.
  const retryInMs = granted > 0 ? 0 : Math.ceil(((level + 1 - ceiling) / perSecond) * 1000) + 1;
  const clients = Object.fromEntries(
    Object.entries({ ...state.clients, [request.client]: nowMs }).filter(([, seenAt]) => nowMs - seenAt < ACTIVE_CLIENT_WINDOW_MS),
  );
  const activeClients = Math.max(1, Object.keys(clients).length);
  return { state: { level, updatedAtMs: current.updatedAtMs, clients }, answer: { granted, retryInMs, activeClients } };
}

export function validateTakeSlots(request: TakeSlotsRequest): void {
  const positive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;
  if (!Number.isInteger(request.slots) || request.slots < 1 || request.slots > 50) throw new Error('slots must be an integer from 1 to 50');
  if (request.priority !== 'urgent' && request.priority !== 'normal') throw new Error('priority must be urgent or normal');
  if (!positive(request.perSecond) || !positive(request.burst)) throw new Error('perSecond and burst must be positive numbers');
  if (typeof request.client !== 'string' || request.client.length === 0 || request.client.length > 64) throw new Error('client must be a short id');
}
