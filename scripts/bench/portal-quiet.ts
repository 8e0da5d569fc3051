import { setTimeout as delay } from 'node:timers/promises';
import type { Stack } from '../../test/support/stack.js';

/** The emulator received no REST request for `quietMs` (so its bucket drained that long): earlier work is done. */
export async function quietPortal(stack: Stack, quietMs: number, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = stack.emulator.calls.at(-1)?.at ?? 0;
    if (Date.now() - last >= quietMs || Date.now() > deadline) return;
    await delay(250);
  }
}

/** Long enough for a full bucket to drain at `perSecond`: burst / rate, plus a second. */
export function drainMs(limits: { perSecond: number; burst: number }): number {
  return (limits.burst / limits.perSecond) * 1000 + 1_000;
}
