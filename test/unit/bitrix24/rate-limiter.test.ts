import { describe, expect, it } from 'vitest';
import { Bitrix24Error } from '../../../integrations/bitrix24/errors.js';
import { createPortalRateLimiter } from '../../../integrations/bitrix24/rate-limiter.js';
import { createManualClock } from './support/manual-clock.js';

describe('portal rate limiter (leaky bucket)', () => {
  it('lets the burst through at once, then paces at perSecond', async () => {
    const { clock, advance } = createManualClock();
    const limiter = createPortalRateLimiter({ clock, rateLimit: { perSecond: 2, burst: 50 }, urgentReserve: 0 });
    const sentAt: number[] = [];
    // Answers come back instantly: each slot is released as soon as it is granted.
    const calls = Array.from({ length: 54 }, () =>
      limiter.acquire('portal-a', ['crm.item.get']).then((release) => {
        sentAt.push(clock.now());
        release();
      }),
    );

    await advance(0);
    expect(sentAt).toHaveLength(50);
    await advance(500);
    expect(sentAt).toHaveLength(50);
    await advance(1);
    expect(sentAt).toHaveLength(51);
    await advance(1_500);
    await Promise.all(calls);
    // One slot drains every 500 ms; each wait carries a 1 ms margin.
    expect(sentAt.slice(50).map((at) => at - sentAt[0]!)).toEqual([501, 1_001, 1_501, 2_001]);
    expect(limiter.counters()).toMatchObject({ waits: 4, waitedMs: 501 + 1_001 + 1_501 + 2_001 });
  });

  it('serves urgent requests (a robot answering a waiting process) before queued ordinary ones', async () => {
    const { clock, advance } = createManualClock();
    const limiter = createPortalRateLimiter({ clock, rateLimit: { perSecond: 1, burst: 1 } });
    (await limiter.acquire('portal-a', ['crm.timeline.logmessage.add']))();
    const order: string[] = [];
    const take = (name: string, priority: 'urgent' | 'normal') =>
      limiter.acquire('portal-a', [name], undefined, priority).then((release) => {
        order.push(name);
        release();
      });
    const queued = [take('timeline-1', 'normal'), take('timeline-2', 'normal'), take('event.send-1', 'urgent'), take('event.send-2', 'urgent')];
    await advance(5_000);
    await Promise.all(queued);
    expect(order).toEqual(['event.send-1', 'event.send-2', 'timeline-1', 'timeline-2']);
  });

  it('keeps a fifth of the burst for urgent requests: ordinary ones stop at 40 of 50, urgent ones go on', async () => {
    const { clock, advance } = createManualClock();
    const limiter = createPortalRateLimiter({ clock, rateLimit: { perSecond: 2, burst: 50 } });
    let ordinarySent = 0;
    const ordinary = Array.from({ length: 45 }, () =>
      limiter.requests.acquire('portal-a', 'normal').then((slot) => {
        ordinarySent += 1;
        slot.release();
      }),
    );
    await advance(0);
    expect(ordinarySent).toBe(40);
    // A robot's answer queued behind the storm still finds room at once.
    let urgentSent = false;
    const urgent = limiter.requests.acquire('portal-a', 'urgent').then((slot) => {
      urgentSent = true;
      slot.release();
    });
    await advance(0);
    expect(urgentSent).toBe(true);
    expect(ordinarySent).toBe(40);
    // Level 41 must drain below 40 before the next ordinary request: 1 s at 2/s.
    await advance(1_001);
    expect(ordinarySent).toBe(41);
    await advance(10_000);
    await Promise.all([urgent, ...ordinary]);
  });

  it('takes a slot that was given back unspent as if it had never been granted', async () => {
    const { clock, advance } = createManualClock();
    const limiter = createPortalRateLimiter({ clock, rateLimit: { perSecond: 1, burst: 1 }, urgentReserve: 0 });
    (await limiter.requests.acquire('portal-a', 'normal')).giveBack();
    let sent = false;
    const next = limiter.requests.acquire('portal-a', 'normal').then(() => (sent = true));
    await advance(0);
    expect(sent).toBe(true);
    await next;
  });

  it('keeps one bucket per portal', async () => {
    const { clock, advance } = createManualClock();
    const limiter = createPortalRateLimiter({ clock, rateLimit: { perSecond: 1, burst: 1 } });
    (await limiter.acquire('portal-a', ['user.current']))();
    let otherPortalSent = false;
    const other = limiter.acquire('portal-b', ['user.current']).then(() => (otherPortalSent = true));
    await advance(0);
    expect(otherPortalSent).toBe(true);
    await other;
  });

  it('gives an aborted wait its slot back', async () => {
    const { clock, advance } = createManualClock();
    const limiter = createPortalRateLimiter({ clock, rateLimit: { perSecond: 1, burst: 1 } });
    (await limiter.acquire('portal-a', ['m']))();
    const controller = new AbortController();
    const waiting = limiter.acquire('portal-a', ['m'], controller.signal);
    controller.abort(new Error('activity cancelled'));
    await expect(waiting).rejects.toThrow('activity cancelled');
    // The cancelled waiter leaves the queue: the next caller waits one slot (1 s), not two.
    let sent = false;
    const next = limiter.acquire('portal-a', ['m']).then(() => (sent = true));
    await advance(1_000);
    expect(sent).toBe(false);
    await advance(1);
    expect(sent).toBe(true);
    await next;
  });

  it('makes a method near its operating limit wait until operating_reset_at; other methods go on', async () => {
    const { clock, advance } = createManualClock();
    const operatingBudget = { limitSeconds: 480, threshold: 0.9, maxWaitMs: 60_000 };
    const limiter = createPortalRateLimiter({ clock, operatingBudget });
    const resetAt = clock.now() / 1000 + 20;
    limiter.recordTime('portal-a', 'crm.item.list', { operating: 450, operating_reset_at: resetAt });
    limiter.recordTime('portal-a', 'crm.item.get', { operating: 100, operating_reset_at: resetAt });

    let listSent = false;
    const list = limiter.acquire('portal-a', ['crm.item.list']).then(() => (listSent = true));
    (await limiter.acquire('portal-a', ['crm.item.get']))();
    await advance(19_999);
    expect(listSent).toBe(false);
    await advance(1);
    expect(listSent).toBe(true);
    await list;
    expect(limiter.counters()).toMatchObject({ operatingWaits: 1, operatingWaitedMs: 20_000 });
  });

  it('fails fast with a retryable OPERATION_TIME_LIMIT when the block outlasts maxWaitMs', async () => {
    const { clock } = createManualClock();
    const limiter = createPortalRateLimiter({ clock, operatingBudget: { maxWaitMs: 30_000 } });
    limiter.noteMethodBlocked('portal-a', 'crm.item.list', clock.now() + 600_000);
    const failure = await limiter.acquire('portal-a', ['crm.item.list']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Bitrix24Error);
    expect(failure).toMatchObject({ type: 'Bitrix24.OPERATION_TIME_LIMIT', retryable: true, retryDelayMs: 600_000 });
  });

  it('counts a request in full until its answer arrives, then drains it', async () => {
    const { clock, advance } = createManualClock();
    const limiter = createPortalRateLimiter({ clock, rateLimit: { perSecond: 10, burst: 2 } });
    const first = await limiter.acquire('portal-a', ['m']);
    const second = await limiter.acquire('portal-a', ['m']);
    let thirdSent = false;
    const third = limiter.acquire('portal-a', ['m']).then((release) => {
      thirdSent = true;
      return release;
    });
    // Both requests still in flight: no amount of time frees a slot.
    await advance(10_000);
    expect(thirdSent).toBe(false);
    first();
    await advance(100);
    expect(thirdSent).toBe(false);
    await advance(1);
    expect(thirdSent).toBe(true);
    second();
    (await third)();
    expect(limiter.counters()).toMatchObject({ waits: 1, waitedMs: 10_101 });
  });

  it('waits a full drain step after Bitrix24 reports its bucket full', async () => {
    const { clock, advance } = createManualClock();
    const limiter = createPortalRateLimiter({ clock, rateLimit: { perSecond: 2, burst: 50 }, urgentReserve: 0 });
    limiter.noteBucketFull('portal-a');
    let sent = false;
    const call = limiter.acquire('portal-a', ['m']).then(() => (sent = true));
    await advance(500);
    expect(sent).toBe(false);
    await advance(1);
    await call;
    expect(sent).toBe(true);
  });
});

describe('portal rate limiter on the real clock', () => {
  it('never strands waiting callers when the drained level is a fraction (burst 1, answers at random times)', async () => {
    // Regression: a float comparison once left the queue with nothing in flight and no drain timer: callers hung.
    for (let round = 0; round < 60; round += 1) {
      const limiter = createPortalRateLimiter({ rateLimit: { perSecond: 200, burst: 1 } });
      const call = async () => {
        const release = await limiter.acquire('member-1', ['crm.deal.get']);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        release();
      };
      const everyone = Promise.all([call(), call(), call()]);
      const stranded = new Promise((_, reject) => setTimeout(() => reject(new Error(`callers stranded in round ${round}`)), 2_000));
      await Promise.race([everyone, stranded]);
    }
  }, 60_000);
});
