import { performance } from 'node:perf_hooks';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import type { Stack } from '../../test/support/stack.js';
import { percentile, type BenchRow } from './stats.js';

/**
 * Robot round trip: from the moment the emulator (as Bitrix24) posts a GET_1C_PRICE call to the API until it has
 * received bizproc.event.send for that call. Calls run one after another so each figure is one call's latency.
 */
export async function robotRoundTrip(stack: Stack, calls = 50, warmup = 5): Promise<{ samples: number[]; rows: BenchRow[] }> {
  const handlerUrl = `${stack.apiUrl}/bitrix24/bizproc`;
  const once = async (): Promise<number> => {
    const started = performance.now();
    const fired = await stack.emulator.fireRobot(handlerUrl, { code: GET_1C_PRICE.code, properties: { article: 'SKU-001' } });
    if (fired.status !== 200) throw new Error(`robot call answered ${fired.status}`);
    await stack.emulator.waitForRobotCompletion(fired.eventToken, 30_000);
    return performance.now() - started;
  };
  for (let index = 0; index < warmup; index += 1) await once();
  const samples: number[] = [];
  for (let index = 0; index < calls; index += 1) samples.push(await once());
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  return {
    samples,
    rows: [
      { benchmark: `GET_1C_PRICE round trip (${calls} calls)`, figure: 'p50', value: `${p50.toFixed(1)} ms`, target: '<= 250 ms', met: p50 <= 250 },
      { benchmark: `GET_1C_PRICE round trip (${calls} calls)`, figure: 'p99', value: `${p99.toFixed(1)} ms` },
    ],
  };
}
