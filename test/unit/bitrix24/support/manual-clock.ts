import { setImmediate as flushIo } from 'node:timers/promises';
import type { Clock } from '../../../../integrations/bitrix24/clock.js';

interface Timer {
  dueMs: number;
  resolve: () => void;
}

/** A clock that only moves when the test says so; sleeps resolve in due order as `advance` passes them. */
export function createManualClock(startMs = 1_700_000_000_000) {
  let nowMs = startMs;
  let timers: Timer[] = [];
  const clock: Clock = {
    now: () => nowMs,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer: Timer = { dueMs: nowMs + ms, resolve };
        timers.push(timer);
        signal?.addEventListener(
          'abort',
          () => {
            timers = timers.filter((candidate) => candidate !== timer);
            reject(signal.reason);
          },
          { once: true },
        );
      }),
  };
  return {
    clock,
    /** Moves time forward, firing due sleeps in order and letting their continuations run. */
    async advance(ms: number): Promise<void> {
      const target = nowMs + ms;
      for (;;) {
        await flushIo();
        const due = timers.filter((timer) => timer.dueMs <= target).sort((a, b) => a.dueMs - b.dueMs)[0];
        if (due === undefined) break;
        timers = timers.filter((timer) => timer !== due);
        nowMs = Math.max(nowMs, due.dueMs);
        due.resolve();
      }
      nowMs = target;
      await flushIo();
    },
    pendingSleeps: () => timers.length,
  };
}
