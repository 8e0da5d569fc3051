import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testActivities } from '../support/test-activities.js';
import { createOnecClient } from '../../integrations/onec/client.js';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { startOnecSimulator, type OnecSimulator } from '../../emulators/onec/simulator.js';
import { recordingBitrix24 } from '../support/recording-bitrix24.js';
import { runDurationMs } from '../support/history.js';
import { robotCall } from '../support/robot-calls.js';
import { createTimeSkippingEnv } from '../support/temporal-binaries.js';
import { createTestWorker, uniqueTaskQueue } from '../support/workflow-bundle.js';
import { keepForReplay, replayDataConverter } from '../support/replay-histories.js';

const dataConverter = replayDataConverter();
let env: TestWorkflowEnvironment;
let onec: OnecSimulator;

beforeAll(async () => {
  env = await createTimeSkippingEnv({ dataConverter });
  onec = await startOnecSimulator({ catalogue: { 'SKU-1': { price: 120.5, currency: 'RUB', stock: 4 }, 'SKU-0': { price: 10, currency: 'RUB', stock: 0 } } });
}, 120_000);

afterAll(async () => {
  await onec?.close();
  await env?.teardown();
});

async function runPriceLookup(article: string, options: { retryBoundMs?: number; bitrix24?: ReturnType<typeof recordingBitrix24> } = {}) {
  const bitrix24 = options.bitrix24 ?? recordingBitrix24();
  const taskQueue = uniqueTaskQueue('price');
  const worker = await createTestWorker(env, {
    taskQueue,
    dataConverter,
    activities: testActivities({
      bitrix24,
      onec: createOnecClient({ baseUrl: onec.url, timeoutMs: 2_000 }),
      settings: { onecRetryBoundMs: options.retryBoundMs ?? 10 * 60_000 },
    }),
  });
  const call = robotCall(GET_1C_PRICE.code, { article });
  const handle = await env.client.workflow.start(GET_1C_PRICE.workflowType, { taskQueue, workflowId: `price-${taskQueue}`, args: [call] });
  const result = await worker.runUntil(handle.result());
  const virtualMs = await runDurationMs(handle);
  await keepForReplay(handle, expect.getState().currentTestName);
  return { result, bitrix24, call, virtualMs };
}

describe('GET_1C_PRICE workflow (time-skipping)', () => {
  it('returns the price and availability through bizproc.event.send', async () => {
    const { result, bitrix24, call } = await runPriceLookup('SKU-1');
    expect(result).toMatchObject({ returnValues: { price: 120.5, available: true }, delivered: true });
    const sends = bitrix24.callsTo('bizproc.event.send');
    expect(sends).toHaveLength(1);
    expect(sends[0]?.params).toMatchObject({ EVENT_TOKEN: call.eventToken, RETURN_VALUES: { price: 120.5, available: true } });
  });

  it('reports an out-of-stock article as not available with its price', async () => {
    const { result } = await runPriceLookup('SKU-0');
    expect(result.returnValues).toEqual({ price: 10, available: false });
  });

  it('answers available=false, price=0 with a log message for an unknown SKU', async () => {
    const { result, bitrix24 } = await runPriceLookup('NO-SUCH-SKU');
    expect(result.returnValues).toEqual({ price: 0, available: false });
    expect(bitrix24.callsTo('bizproc.event.send')[0]?.params.LOG_MESSAGE).toMatch(/NO-SUCH-SKU is not known in 1C/);
  });

  it('retries while 1C is down and answers once it is back', async () => {
    const before = onec.calls.length;
    onec.failNext(4);
    const { result, virtualMs } = await runPriceLookup('SKU-1');
    expect(result.returnValues).toEqual({ price: 120.5, available: true });
    expect(onec.calls.length - before).toBe(5);
    // 1C's Retry-After (5 s) paces the four retries: about 20 virtual seconds, far from the 10-minute bound.
    expect(virtualMs).toBeGreaterThanOrEqual(20_000);
    expect(virtualMs).toBeLessThan(60_000);
  });

  it('answers Bitrix24 once when the timeline line fails after the answer was delivered, and writes the line once', async () => {
    let lineFailures = 1;
    const bitrix24 = recordingBitrix24((method) => {
      if (method === 'crm.timeline.logmessage.add' && lineFailures > 0) {
        lineFailures -= 1;
        throw ApplicationFailure.retryable('the portal answered 503', 'Bitrix24.INTERNAL_SERVER_ERROR');
      }
      // The retried attempt searches the card first: nothing of this run is there yet.
      return method === 'crm.timeline.logmessage.list' ? [] : true;
    });
    const { result, call } = await runPriceLookup('SKU-1', { bitrix24 });
    expect(result).toMatchObject({ returnValues: { price: 120.5, available: true }, delivered: true });
    // The retried attempt starts after the send: Bitrix24 had the answer, and one request is all it costs.
    expect(bitrix24.callsTo('bizproc.event.send').map((sent) => sent.params.EVENT_TOKEN)).toEqual([call.eventToken]);
    expect(bitrix24.callsTo('crm.timeline.logmessage.list')).toHaveLength(1);
    const lines = bitrix24.callsTo('crm.timeline.logmessage.add');
    expect(lines).toHaveLength(2);
    expect(lines[1]?.params).toMatchObject({ fields: { entityTypeId: 2, entityId: 1, title: 'GET_1C_PRICE: Completed' } });
  });

  it('gives up after the retry bound and completes with an explanation', async () => {
    onec.setDown(true);
    try {
      const { result, bitrix24, virtualMs } = await runPriceLookup('SKU-1', { retryBoundMs: 10 * 60_000 });
      expect(result.returnValues).toEqual({ price: 0, available: false });
      expect(result.logMessage).toMatch(/1C could not be reached in time/);
      expect(bitrix24.callsTo('bizproc.event.send')).toHaveLength(1);
      // The bound runs from the first lookup attempt, a moment after the run started.
      expect(virtualMs).toBeGreaterThanOrEqual(9.5 * 60_000);
      expect(virtualMs).toBeLessThan(12 * 60_000);
    } finally {
      onec.setDown(false);
    }
  });
});
