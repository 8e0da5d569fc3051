import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createErpClient, type ErpClient } from '../../integrations/erp/client.js';
import { testActivities } from '../support/test-activities.js';
import { documentKey } from '../../contracts/documents.js';
import { erpOrderExternalId, type ErpOrderReturnValues } from '../../contracts/erp-order.js';
import { ERP_CREATE_ORDER } from '../../contracts/robot-declarations.js';
import type { RobotOutcome } from '../../contracts/robot-call.js';
import { OUTCOMES, SA_DOCUMENT, SA_OUTCOME, SA_PROCESS } from '../../contracts/search-attributes.js';
import { startErpSimulator, type ErpSimulator } from '../../emulators/erp/simulator.js';
import { fakeCrmDeal, productRows, type FakeDealSeed } from '../support/fake-crm-deal.js';
import { runDurationMs } from '../support/history.js';
import { recordingBitrix24 } from '../support/recording-bitrix24.js';
import { robotCall } from '../support/robot-calls.js';
import { createTimeSkippingEnv } from '../support/temporal-binaries.js';
import { createTestWorker, uniqueTaskQueue } from '../support/workflow-bundle.js';
import { keepForReplay, replayDataConverter } from '../support/replay-histories.js';

const ORDER_FIELD = 'UF_CRM_ERP_ORDER_ID';
const MINUTE = 60_000;
const dataConverter = replayDataConverter();
let env: TestWorkflowEnvironment;
let erp: ErpSimulator;
let nextDealId = 100;

beforeAll(async () => {
  env = await createTimeSkippingEnv({ dataConverter });
  erp = await startErpSimulator({ port: 0 });
}, 120_000);

afterAll(async () => {
  await erp?.close();
  await env?.teardown();
});

interface RunOptions {
  deal?: Partial<FakeDealSeed>;
  /** The ERP client's per-call timeout. */
  erpTimeoutMs?: number;
  retryBoundMs?: number;
  /** Wraps the real SOAP client, e.g. to lose an answer. */
  wrapErp?: (client: ErpClient) => ErpClient;
  heartbeatTimeoutMs?: number;
  /** False: Bitrix24 runs no such business process on the deal (a forged call). */
  processRunning?: boolean;
}

async function runErpOrder(options: RunOptions = {}) {
  nextDealId += 1;
  const seed: FakeDealSeed = {
    id: nextDealId,
    title: `Deal ${nextDealId}`,
    assignedById: 7,
    currencyId: 'RUB',
    companyId: 42,
    rows: productRows(3),
    ...options.deal,
  };
  const crm = fakeCrmDeal(seed, {
    orderField: ORDER_FIELD,
    companies: [{ id: 42, title: 'Acme Manufacturing' }],
    ...(options.processRunning === undefined ? {} : { processRunning: options.processRunning }),
  });
  const bitrix24 = recordingBitrix24(crm.answer);
  const erpTimeoutMs = options.erpTimeoutMs ?? 10_000;
  const realErp = createErpClient({ wsdlUrl: erp.wsdlUrl, timeoutMs: erpTimeoutMs });
  const taskQueue = uniqueTaskQueue('erp-order');
  const worker = await createTestWorker(env, {
    taskQueue,
    dataConverter,
    activities: testActivities({
      bitrix24,
      erp: options.wrapErp ? options.wrapErp(realErp) : realErp,
      settings: {
        erpRetryIntervalMs: 5 * MINUTE,
        erpRetryBoundMs: options.retryBoundMs ?? 24 * 60 * MINUTE,
        erpOrderField: ORDER_FIELD,
        erpCallTimeoutMs: erpTimeoutMs,
        ...(options.heartbeatTimeoutMs === undefined ? {} : { erpHeartbeatTimeoutMs: options.heartbeatTimeoutMs }),
      },
    }),
  });
  const call = robotCall(ERP_CREATE_ORDER.code, {}, { documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${seed.id}`] });
  const handle: WorkflowHandle = await env.client.workflow.start(ERP_CREATE_ORDER.workflowType, {
    taskQueue,
    workflowId: `erp-order-${taskQueue}`,
    args: [call],
    // As the ingress starts robot runs (api/workflow-gateway.ts).
    typedSearchAttributes: [
      { key: SA_PROCESS, value: ERP_CREATE_ORDER.process },
      { key: SA_DOCUMENT, value: documentKey(call.documentId) },
      { key: SA_OUTCOME, value: OUTCOMES.running },
    ],
  });
  const startedAt = performance.now();
  const result = (await worker.runUntil(handle.result())) as RobotOutcome<ErpOrderReturnValues>;
  const realMs = performance.now() - startedAt;
  await keepForReplay(handle, expect.getState().currentTestName);
  await erp.settled();
  const externalId = erpOrderExternalId(call.memberId, seed.id);
  return {
    result,
    handle,
    call,
    crm,
    bitrix24,
    externalId,
    realMs,
    virtualMs: await runDurationMs(handle),
    erpCalls: erp.calls.filter((recorded) => recorded.externalId === externalId),
    order: erp.orders.get(externalId),
  };
}

function callsOf(run: Awaited<ReturnType<typeof runErpOrder>>, operation: 'CreateOrder' | 'FindOrderByExternalId') {
  return run.erpCalls.filter((call) => call.operation === operation);
}

/** The values B24Outcome took during the run, in order, from its history. */
async function outcomeHistory(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const values: string[] = [];
  for (const event of events) {
    const payload = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[SA_OUTCOME.name];
    if (payload?.data) values.push(JSON.parse(Buffer.from(payload.data).toString('utf8')) as string);
  }
  return values;
}

describe('ERP order robot (time-skipping, real SOAP simulator)', () => {
  it('confirms the call with bizproc.workflow.instances before anything else: the named process on the deal', async () => {
    const run = await runErpOrder();
    const first = run.bitrix24.calls[0];
    expect(first).toMatchObject({ method: 'bizproc.workflow.instances' });
    expect(first?.params).toEqual({ select: ['ID', 'MODULE_ID', 'ENTITY', 'DOCUMENT_ID'], filter: { ID: run.call.bizprocWorkflowId } });
    expect(run.order).toBeDefined();
  });

  it('a call Bitrix24 does not confirm creates no order, writes nothing and notifies nobody; it answers with the error', async () => {
    const run = await runErpOrder({ processRunning: false });
    expect(run.erpCalls).toEqual([]);
    expect(run.order).toBeUndefined();
    const methods = run.bitrix24.calls.map((call) => call.method);
    expect(methods).toEqual(['bizproc.workflow.instances', 'bizproc.event.send']);
    expect(run.result.returnValues).toEqual({
      erp_order_id: '',
      error: `Not run: Bitrix24 runs no business process ${run.call.bizprocWorkflowId} on ${run.call.documentId[2]}`,
    });
    expect(await outcomeHistory(run.handle)).toContain(OUTCOMES.failed);
  });

  it('creates the order, writes its number to the deal, notifies the responsible user and completes', async () => {
    const run = await runErpOrder();
    const orderNumber = run.order?.orderNumber;
    expect(orderNumber).toMatch(/^ERP-\d+$/);
    expect(run.result).toMatchObject({ returnValues: { erp_order_id: orderNumber, error: '' }, delivered: true });
    expect(run.order).toMatchObject({
      customer: { id: 'company-42', name: 'Acme Manufacturing' },
      currency: 'RUB',
      lines: [
        { productId: '500', productName: 'Product 1', quantity: 1, price: 100 },
        { productId: '501', productName: 'Product 2', quantity: 2, price: 101 },
        { productId: '502', productName: 'Product 3', quantity: 3, price: 102 },
      ],
    });
    // A first attempt goes straight to CreateOrder: the lookup is only for attempts that may follow a lost answer.
    expect(run.erpCalls.map((call) => call.operation)).toEqual(['CreateOrder']);

    expect(run.crm.deal[ORDER_FIELD]).toBe(orderNumber);
    expect(run.bitrix24.callsTo('crm.deal.update')).toHaveLength(1);
    const notifications = run.bitrix24.callsTo('im.notify.system.add');
    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.params).toMatchObject({ USER_ID: 7 });
    expect(String(notifications[0]?.params.MESSAGE)).toContain(orderNumber);
    const sends = run.bitrix24.callsTo('bizproc.event.send');
    expect(sends).toHaveLength(1);
    expect(sends[0]?.params).toMatchObject({ EVENT_TOKEN: run.call.eventToken, RETURN_VALUES: { erp_order_id: orderNumber, error: '' } });
    expect(run.bitrix24.callsTo('bizproc.activity.log')).toHaveLength(0);
    expect(await outcomeHistory(run.handle)).toEqual([OUTCOMES.waitingOnExternal, OUTCOMES.running, OUTCOMES.completed]);
  });

  // The time-skipping server does not skip time while an activity runs, so a 40 s ERP would cost 40 real seconds.
  // A 5 s ERP with the heartbeat timeout cut to 1.5 s tests the same thing: the attempt outlives its heartbeat
  // timeout several times over and is only kept alive by its heartbeats (otherwise it would be retried, which the
  // recorded calls would show as lookups and repeated CreateOrder calls).
  it('keeps a slow ERP call alive with heartbeats and records the order within the ERP latency plus a moment', async () => {
    erp.setLatency(5_000);
    try {
      const run = await runErpOrder({ heartbeatTimeoutMs: 1_500 });
      expect(run.result.returnValues).toEqual({ erp_order_id: run.order?.orderNumber, error: '' });
      expect(run.erpCalls.map((call) => call.operation)).toEqual(['CreateOrder']);
      expect(run.erpCalls[0]?.clientDisconnected).toBe(false);
      expect(run.virtualMs).toBeGreaterThanOrEqual(5_000);
      // Latency plus the Bitrix24 reads and writes; measured 5.4 s on an idle machine.
      expect(run.virtualMs).toBeLessThan(10_000);
    } finally {
      erp.setLatency(0);
    }
  }, 60_000);

  it('retries every 5 minutes while the ERP is down and makes exactly one order when it is back', async () => {
    erp.failNext(3, 'unavailable');
    const run = await runErpOrder();
    expect(run.result.returnValues).toEqual({ erp_order_id: run.order?.orderNumber, error: '' });
    expect(erp.orders.has(run.externalId)).toBe(true);
    expect(callsOf(run, 'CreateOrder').filter((call) => call.outcome === 'created')).toHaveLength(1);
    // Attempt 1 creates; attempts 2-4 look the order up first, the lookups of attempts 2 and 3 meet the outage.
    expect(run.erpCalls.map((call) => `${call.operation}:${call.outcome}`)).toEqual([
      'CreateOrder:unavailable',
      'FindOrderByExternalId:unavailable',
      'FindOrderByExternalId:unavailable',
      'FindOrderByExternalId:not-found',
      'CreateOrder:created',
    ]);
    const progress = run.bitrix24.callsTo('bizproc.activity.log');
    expect(progress).toHaveLength(3);
    expect(progress.map((line) => line.params.LOG_MESSAGE)).toEqual([
      expect.stringMatching(/attempt 1 failed: .*unavailable.*next attempt in 5 min/i),
      expect.stringMatching(/attempt 2 failed/),
      expect.stringMatching(/attempt 3 failed/),
    ]);
    expect(run.virtualMs).toBeGreaterThanOrEqual(15 * MINUTE);
    expect(run.virtualMs).toBeLessThan(16 * MINUTE);
    expect(run.bitrix24.callsTo('im.notify.system.add')).toHaveLength(1);
    expect(await outcomeHistory(run.handle)).toEqual([OUTCOMES.waitingOnExternal, OUTCOMES.running, OUTCOMES.completed]);
  });

  it('gives up at the retry bound: one notification, the robot completes with error', async () => {
    erp.setOutage(true);
    try {
      const run = await runErpOrder({ retryBoundMs: 30 * MINUTE });
      expect(run.result.returnValues.erp_order_id).toBe('');
      expect(run.result.returnValues.error).toMatch(/could not be reached after 7 attempts/);
      expect(run.order).toBeUndefined();
      // Attempts at 0, 5, ..., 30 minutes; the next one would be past the bound.
      expect(run.erpCalls).toHaveLength(7);
      expect(run.bitrix24.callsTo('bizproc.activity.log')).toHaveLength(7);
      expect(run.bitrix24.callsTo('bizproc.activity.log').at(-1)?.params.LOG_MESSAGE).toMatch(/giving up after 30 min/);
      const notifications = run.bitrix24.callsTo('im.notify.system.add');
      expect(notifications).toHaveLength(1);
      expect(String(notifications[0]?.params.MESSAGE)).toMatch(/No ERP order/);
      expect(run.bitrix24.callsTo('crm.deal.update')).toHaveLength(0);
      expect(run.bitrix24.callsTo('bizproc.event.send')[0]?.params).toMatchObject({ RETURN_VALUES: run.result.returnValues });
      expect(run.virtualMs).toBeGreaterThanOrEqual(30 * MINUTE);
      expect(run.virtualMs).toBeLessThan(31 * MINUTE);
      const described = await run.handle.describe();
      expect(described.typedSearchAttributes.get(SA_OUTCOME)).toBe(OUTCOMES.failed);
    } finally {
      erp.setOutage(false);
    }
  });

  it('does not retry a business rejection: one CreateOrder call, a notification, the robot completes with error', async () => {
    const dealId = nextDealId + 1;
    erp.rejectExternalIds([erpOrderExternalId('member-test', dealId)], 'Customer is blocked for credit reasons');
    const run = await runErpOrder();
    expect(run.externalId).toBe(erpOrderExternalId('member-test', dealId));
    expect(run.erpCalls.map((call) => `${call.operation}:${call.outcome}`)).toEqual(['CreateOrder:rejected']);
    expect(run.result.returnValues).toEqual({ erp_order_id: '', error: expect.stringMatching(/Customer is blocked/) });
    expect(run.bitrix24.callsTo('bizproc.activity.log')).toHaveLength(0);
    expect(run.bitrix24.callsTo('im.notify.system.add')).toHaveLength(1);
    expect(run.bitrix24.callsTo('crm.deal.update')).toHaveLength(0);
    expect(run.virtualMs).toBeLessThan(MINUTE);
  });

  it('completes with the existing order id when the deal already has one, without calling the ERP', async () => {
    const run = await runErpOrder({ deal: { orderId: 'ERP-777777' } });
    expect(run.result.returnValues).toEqual({ erp_order_id: 'ERP-777777', error: '' });
    expect(run.erpCalls).toHaveLength(0);
    expect(run.bitrix24.callsTo('crm.deal.update')).toHaveLength(0);
    expect(run.bitrix24.callsTo('batch')).toHaveLength(1);
  });

  it('sends every one of 120 product rows to the ERP, reading them in two batch calls', async () => {
    const rows = productRows(120);
    const run = await runErpOrder({ deal: { rows } });
    expect(run.result.returnValues.error).toBe('');
    expect(run.order?.lines).toEqual(
      rows.map((row) => ({ productId: String(row.productId), productName: row.productName, quantity: row.quantity, price: row.price })),
    );
    // The deal with page 1, then pages 2 and 3 with the customer: 2 requests instead of 5.
    expect(run.bitrix24.callsTo('batch')).toHaveLength(2);
    expect(run.bitrix24.callsTo('crm.item.productrow.list')).toHaveLength(0);
  });

  it('finds the order on retry when an attempt timed out after the ERP had created it', async () => {
    let answersLost = 0;
    const run = await runErpOrder({
      erpTimeoutMs: 500,
      wrapErp: (client) => ({
        findOrderByExternalId: (externalId, options) => client.findOrderByExternalId(externalId, options),
        async createOrder(input, options) {
          const created = await client.createOrder(input, options);
          if (answersLost > 0) return created;
          answersLost += 1;
          // The ERP made the order, but its answer never reaches the activity, which hangs until Temporal times it out.
          return new Promise((_resolve, reject) => {
            options?.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
          });
        },
      }),
    });
    expect(answersLost).toBe(1);
    expect(run.erpCalls.map((call) => `${call.operation}:${call.outcome}`)).toEqual([
      'CreateOrder:created',
      'FindOrderByExternalId:found',
    ]);
    expect(erp.orders.get(run.externalId)?.orderNumber).toBe(run.result.returnValues.erp_order_id);
    expect(run.result.returnValues.error).toBe('');
    expect(run.bitrix24.callsTo('bizproc.event.send')).toHaveLength(1);
    // Temporal's own retry of the lost attempt: no 5-minute wait and no progress line.
    expect(run.bitrix24.callsTo('bizproc.activity.log')).toHaveLength(0);
    expect(run.virtualMs).toBeLessThan(MINUTE);
  }, 60_000);
});
