import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { dashboardQueries, metricNamesIn, DASHBOARD_PATH } from '../support/dashboard.js';
import { freePort, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let sdkMetricsUrl: string;
let workerMetricsUrl: string;

beforeAll(async () => {
  const [workerPort, sdkPort] = [await freePort(), await freePort()];
  workerMetricsUrl = `http://127.0.0.1:${workerPort}/metrics`;
  sdkMetricsUrl = `http://127.0.0.1:${sdkPort}/metrics`;
  // 1C down past a 2-second bound: the second run fails its lookup and answers with the reason.
  stack = await startStack({
    env: { WORKER_METRICS_PORT: String(workerPort), TEMPORAL_SDK_METRICS_PORT: String(sdkPort), ONEC_RETRY_BOUND_SECONDS: '2' },
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function runPriceRobot(article: string): Promise<void> {
  const fired = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, { code: GET_1C_PRICE.code, properties: { article } });
  expect(fired.status).toBe(200);
  await stack.temporal.client.workflow.getHandle((fired.body as { workflowId: string }).workflowId).result();
}

/** Names of the series an endpoint exports (`# TYPE` lines and samples), histogram series included. */
async function exportedNames(url: string): Promise<Set<string>> {
  const text = await (await fetch(url)).text();
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type?.[1]) {
      names.add(type[1]);
      if (type[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${type[1]}${suffix}`);
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample?.[1]) names.add(sample[1]);
  }
  return names;
}

describe(`the Grafana dashboard (${DASHBOARD_PATH}) against a real worker's Temporal SDK metrics`, () => {
  it('queries only SDK series (temporal_*, b24_robot_runs) and worker series the worker really exports after robot runs', async () => {
    await runPriceRobot('SKU-001');
    // The second run's answer meets a portal error once: a failed activity attempt, retried (1C being down is a
    // benign failure, which the SDK leaves out of its failure counts).
    stack.emulator.injectFailure({ method: 'bizproc.event.send', times: 1, status: 500, error: 'INTERNAL_SERVER_ERROR', description: 'once' });
    stack.onec.setDown(true);
    try {
      await runPriceRobot('SKU-002');
    } finally {
      stack.onec.setDown(false);
    }
    const sdkNames = await exportedNames(sdkMetricsUrl);
    expect([...sdkNames].some((name) => name.startsWith('temporal_'))).toBe(true);
    // temporal_* from the SDK itself, b24_robot_runs from the workflows' metric meter: both on the SDK endpoint.
    const wanted = dashboardQueries()
      .flatMap((query) => metricNamesIn(query.expr))
      .filter((name) => name.startsWith('temporal_') || name === 'b24_robot_runs');
    expect(wanted.length).toBeGreaterThan(0);
    expect(wanted.filter((name) => !sdkNames.has(name))).toEqual([]);
    // And the service's own series, from the same worker process.
    const workerNames = await exportedNames(workerMetricsUrl);
    const ownWorker = dashboardQueries().flatMap((query) => metricNamesIn(query.expr)).filter((name) => /^b24_(bitrix24|token|activity|rate)_/.test(name));
    expect(ownWorker.filter((name) => !workerNames.has(name))).toEqual([]);

  }, 120_000);
});
