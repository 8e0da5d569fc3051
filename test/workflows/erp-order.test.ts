import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createErpClient, type ErpClient } from '../../activities/erp/client.js';
import { ERP_FAILURE_POLICY, ErpFailureType } from '../../activities/erp/errors.js';
import { createActivities } from '../../activities/index.js';
import { documentKey } from '../../contracts/documents.js';
import { ERP_RETRY_LATER_FAILURE_TYPES, erpOrderExternalId, type ErpOrderReturnValues } from '../../contracts/erp-order.js';
import { ERP_CREATE_ORDER } from '../../contracts/robot-declarations.js';
import type { RobotOutcome } from '../../contracts/robot-call.js';
import { OUTCOMES, SA_DOCUMENT, SA_OUTCOME, SA_PROCESS } from '../../contracts/search-attributes.js';
import { startErpSimulator, type ErpSimulator } from '../../emulators/erp/simulator.js';
import { createDataConverter } from '../../lib/data-converter.js';
import { fakeCrmDeal, productRows, type FakeDealSeed } from '../support/fake-crm-deal.js';
import { runDurationMs } from '../support/history.js';
import { recordingBitrix24 } from '../support/recording-bitrix24.js';
import { robotCall } from '../support/robot-calls.js';
import { createTimeSkippingEnv } from '../support/temporal-binaries.js';
import { testWorkflowBundle, uniqueTaskQueue } from '../support/workflow-bundle.js';

const ORDER_FIELD = 'UF_CRM_ERP_ORDER_ID';
const MINUTE = 60_000;
const dataConverter = createDataConverter(randomBytes(32).toString('base64'));
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
  heartbeatIntervalMs?: number;
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
  const crm = fakeCrmDeal(seed, { orderField: ORDER_FIELD, companies: [{ id: 42, title: 'Acme Manufacturing' }] });
  const bitrix24 = recordingBitrix24(crm.answer);
  const erpTimeoutMs = options.erpTimeoutMs ?? 10_000;
  const realErp = createErpClient({ wsdlUrl: erp.wsdlUrl, timeoutMs: erpTimeoutMs });
  const taskQueue = uniqueTaskQueue('erp-order');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    dataConverter,
    workflowBundle: await testWorkflowBundle(),
    activities: createActivities({
      bitrix24,
      onec: { getPrice: () => Promise.reject(new Error('not used')) } as never,
      erp: options.wrapErp ? options.wrapErp(realErp) : realErp,
      erpHeartbeatIntervalMs: options.heartbeatIntervalMs ?? 1_000,
      oauth: undefined,
      settings: {
        onecRetryBoundMs: MINUTE,
        erpRetryIntervalMs: 5 * MINUTE,
        erpRetryBoundMs: options.retryBoundMs ?? 24 * 60 * MINUTE,
        erpOrderField: ORDER_FIELD,
        erpCallTimeoutMs: erpTimeoutMs,
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

describe('ERP order robot (time-skipping, real SOAP simulator)', () => {
  it('creates the order, writes its number to the deal, notifies the responsible user and completes', async () => {
    const run = await runErpOrder();
    console.log('happy', run.virtualMs, run.realMs);
    expect(run.result.returnValues).toEqual({ erp_order_id: run.order?.orderNumber, error: '' });
  });

  it('latency', async () => {
    erp.setLatency(3_000);
    try {
      const run = await runErpOrder();
      console.log('latency', run.virtualMs, run.realMs);
      expect(run.result.returnValues.error).toBe('');
    } finally {
      erp.setLatency(0);
    }
  }, 60_000);
});
