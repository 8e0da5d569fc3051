import type { WorkflowHandle } from '@temporalio/client';

/**
 * Virtual time a run took, from its history (first to last event). The time-skipping server may keep skipping
 * after a run completes, so `env.currentTimeMs()` around `execute` overstates it.
 */
export async function runDurationMs(handle: WorkflowHandle): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  const millis = (index: number) => {
    const time = events.at(index)?.eventTime;
    return time ? Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6) : 0;
  };
  return millis(-1) - millis(0);
}
