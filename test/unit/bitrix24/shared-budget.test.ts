import { describe, expect, it } from 'vitest';
import { budgetMargin, takeSlots, type TakeSlotsAnswer, type TakeSlotsRequest } from '../../../contracts/portal-budget.js';
import { createPortalRateLimiter } from '../../../integrations/bitrix24/rate-limiter.js';
import { createSharedRequestBudget, type SharedBudgetHolder } from '../../../integrations/bitrix24/shared-budget.js';
import { createManualClock } from './support/manual-clock.js';

const LIMITS = { perSecond: 2, burst: 50 };
const ASK = { ...LIMITS, client: 'worker-a' };

describe('the budget holder bucket (takeSlots)', () => {
  it('grants ordinary requests up to the burst less the arrival margin and the urgent reserve, urgent ones up to the margin', () => {
    const start = { level: 0, updatedAtMs: 0 };
    const normal = takeSlots(start, { slots: 50, priority: 'normal', ...ASK }, 0);
    // 50 - margin (2 s of drain at 2/s = 4) - reserve (a fifth, 10).
    expect(budgetMargin(2)).toBe(4);
    expect(normal.answer).toEqual({ granted: 36, retryInMs: 0, activeClients: 1 });
    const urgent = takeSlots(normal.state, { slots: 50, priority: 'urgent', ...ASK }, 0);
    expect(urgent.answer.granted).toBe(10);
    const refused = takeSlots(urgent.state, { slots: 1, priority: 'urgent', ...ASK }, 0);
    expect(refused.answer).toEqual({ granted: 0, retryInMs: 501, activeClients: 1 });
    // Half a second later one slot has drained.
    expect(takeSlots(refused.state, { slots: 1, priority: 'urgent', ...ASK }, 501).answer.granted).toBe(1);
  });

  it('counts the processes that asked within the last ten seconds', () => {
    const first = takeSlots({ level: 0, updatedAtMs: 0 }, { slots: 1, priority: 'normal', ...ASK }, 0);
    const second = takeSlots(first.state, { slots: 1, priority: 'normal', ...ASK, client: 'worker-b' }, 1_000);
    expect(second.answer.activeClients).toBe(2);
    expect(takeSlots(second.state, { slots: 1, priority: 'normal', ...ASK, client: 'worker-b' }, 10_500).answer.activeClients).toBe(1);
  });
});

function fakeHolder(answer: (request: TakeSlotsRequest) => TakeSlotsAnswer | Promise<TakeSlotsAnswer>) {
  const asks: TakeSlotsRequest[] = [];
  const holder: SharedBudgetHolder = {
    take: async (_memberId, request) => {
      asks.push(request);
      return answer(request);
    },
    bucketFull: async () => undefined,
  };
  return { holder, asks };
}

describe('shared request budget (one process)', () => {
  it('asks once per round for every waiter of the portal, urgent ones first and on their own', async () => {
    const { clock, advance } = createManualClock();
    const { holder, asks } = fakeHolder((request) => ({ granted: request.slots, retryInMs: 0, activeClients: 1 }));
    const budget = createSharedRequestBudget({ holder, fallback: createPortalRateLimiter({ clock }).requests, rateLimit: LIMITS, clock });
    const order: string[] = [];
    const take = (name: string, priority: 'urgent' | 'normal') => budget.acquire('portal-a', priority).then(() => order.push(name));
    const all = [take('n1', 'normal'), take('n2', 'normal'), take('u1', 'urgent'), take('n3', 'normal'), take('u2', 'urgent')];
    await advance(0);
    await Promise.all(all);
    // The first ask went out with n1 alone; everything that queued meanwhile came in two more asks.
    expect(asks.map((ask) => [ask.priority, ask.slots])).toEqual([
      ['normal', 1],
      ['urgent', 2],
      ['normal', 2],
    ]);
    expect(order).toEqual(['n1', 'u1', 'u2', 'n2', 'n3']);
    expect(budget.counters()).toMatchObject({ grants: 5, asks: 3, fallbacks: 0 });
  });

  it('waits as long as the holder says when nothing fits, and an urgent waiter cuts that wait short', async () => {
    const { clock, advance } = createManualClock();
    const { holder, asks } = fakeHolder((request) => (request.priority === 'urgent' ? { granted: 1, retryInMs: 0, activeClients: 1 } : { granted: 0, retryInMs: 10_000, activeClients: 1 }));
    const budget = createSharedRequestBudget({ holder, fallback: createPortalRateLimiter({ clock }).requests, rateLimit: LIMITS, clock });
    let normalGranted = false;
    void budget.acquire('portal-a', 'normal').then(() => (normalGranted = true));
    await advance(0);
    let urgentGranted = false;
    const urgent = budget.acquire('portal-a', 'urgent').then(() => (urgentGranted = true));
    await advance(0);
    await urgent;
    expect(urgentGranted).toBe(true);
    expect(normalGranted).toBe(false);
    expect(asks.map((ask) => ask.priority)).toEqual(['normal', 'urgent', 'normal']);
  });

  it("falls back to the process's own bucket when the holder does not answer in time", async () => {
    const { clock, advance } = createManualClock();
    const { holder } = fakeHolder(() => new Promise<TakeSlotsAnswer>(() => undefined));
    const budget = createSharedRequestBudget({
      holder,
      fallback: createPortalRateLimiter({ clock, rateLimit: LIMITS }).requests,
      rateLimit: LIMITS,
      clock,
      holderTimeoutMs: 5_000,
    });
    let granted = false;
    const slot = budget.acquire('portal-a', 'normal').then(() => (granted = true));
    await advance(4_999);
    expect(granted).toBe(false);
    await advance(1);
    await slot;
    expect(budget.counters()).toMatchObject({ fallbacks: 1, grants: 0 });
  });

  it('drops a grant that arrives too late to be used and asks again', async () => {
    const { clock, advance } = createManualClock();
    let slow = true;
    const { holder, asks } = fakeHolder(async () => {
      if (slow) {
        slow = false;
        await clock.sleep(1_500);
      }
      return { granted: 1, retryInMs: 0, activeClients: 1 };
    });
    const budget = createSharedRequestBudget({ holder, fallback: createPortalRateLimiter({ clock }).requests, rateLimit: LIMITS, clock });
    const slot = budget.acquire('portal-a', 'normal');
    await advance(1_500);
    await slot;
    expect(asks).toHaveLength(2);
    expect(budget.counters()).toMatchObject({ staleGrants: 1, grants: 1 });
  });
});
