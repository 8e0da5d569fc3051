import { performance } from 'node:perf_hooks';

export interface LoadRun {
  /** Latency of every successful operation, milliseconds. */
  samples: number[];
  elapsedMs: number;
  failures: number;
  firstFailure?: string;
}

/**
 * Runs `count` operations with at most `concurrency` in flight (a closed loop: each slot starts its next operation when
 * the previous one answered), timing each one. A failed operation is counted, not retried.
 */
export async function runClosedLoop(count: number, concurrency: number, operation: (index: number) => Promise<void>): Promise<LoadRun> {
  const run: LoadRun = { samples: [], elapsedMs: 0, failures: 0 };
  let next = 0;
  const slot = async () => {
    for (let index = next++; index < count; index = next++) {
      const started = performance.now();
      try {
        await operation(index);
        run.samples.push(performance.now() - started);
      } catch (error) {
        run.failures += 1;
        run.firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, slot));
  run.elapsedMs = performance.now() - started;
  return run;
}

/** Several runs of one path taken together: their samples, their time and their failures. */
export function combineRuns(runs: readonly LoadRun[]): LoadRun {
  const firstFailure = runs.find((run) => run.firstFailure !== undefined)?.firstFailure;
  return {
    samples: runs.flatMap((run) => run.samples),
    elapsedMs: runs.reduce((sum, run) => sum + run.elapsedMs, 0),
    failures: runs.reduce((sum, run) => sum + run.failures, 0),
    ...(firstFailure === undefined ? {} : { firstFailure }),
  };
}

export function perSecond(run: LoadRun): number {
  return run.samples.length / (run.elapsedMs / 1000);
}
