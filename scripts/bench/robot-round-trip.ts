import { performance } from 'node:perf_hooks';
import type { Stack } from '../../test/support/stack.js';
import { percentile, type BenchRow } from './stats.js';

export interface RoundTripCase {
  label: string;
  code: string;
  properties: Record<string, unknown>;
  /** The business-process document; default the emulator's (a deal it may not hold). */
  documentId?: [string, string, string];
  calls?: number;
  warmup?: number;
  /** Target for p50 in milliseconds, when the issue sets one. */
  p50TargetMs?: number;
}

/**
 * Robot round trip: from the moment the emulator (as Bitrix24) posts a robot/activity call to the API until it has
 * received bizproc.event.send for that call. Calls run one after another so each figure is one call's latency.
 */
export async function robotRoundTrip(stack: Stack, testCase: RoundTripCase): Promise<{ samples: number[]; rows: BenchRow[] }> {
  const { label, code, properties, documentId, calls = 50, warmup = 5, p50TargetMs } = testCase;
  const handlerUrl = `${stack.apiUrl}/bitrix24/bizproc`;
  const once = async (): Promise<number> => {
    const started = performance.now();
    const fired = await stack.emulator.fireRobot(handlerUrl, { code, properties, ...(documentId === undefined ? {} : { documentId }) });
    if (fired.status !== 200) throw new Error(`${code} call answered ${fired.status}`);
    await stack.emulator.waitForRobotCompletion(fired.eventToken, 60_000);
    return performance.now() - started;
  };
  for (let index = 0; index < warmup; index += 1) await once();
  const samples: number[] = [];
  for (let index = 0; index < calls; index += 1) samples.push(await once());
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  const name = `${label} round trip (${calls} calls)`;
  return {
    samples,
    rows: [
      {
        benchmark: name,
        figure: 'p50',
        value: `${p50.toFixed(1)} ms`,
        ...(p50TargetMs === undefined ? {} : { target: `<= ${p50TargetMs} ms`, met: p50 <= p50TargetMs }),
      },
      { benchmark: name, figure: 'p99', value: `${p99.toFixed(1)} ms` },
    ],
  };
}
