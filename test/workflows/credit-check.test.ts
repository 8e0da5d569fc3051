import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreditCheckSettings } from '../../activities/credit/settings.js';
import { createFinanceClient } from '../../integrations/finance/client.js';
import { testActivities } from '../support/test-activities.js';
import type { RobotOutcome } from '../../contracts/robot-call.js';
import { CHECK_CREDIT_LIMIT } from '../../contracts/robot-declarations.js';
import { OUTCOMES, SA_OUTCOME } from '../../contracts/search-attributes.js';
import { eventTokenKey, robotWorkflowId } from '../../contracts/workflow-ids.js';
import { startFinanceSimulator, type FinanceSimulator } from '../../emulators/finance/simulator.js';
import type { CreditCheckProperties } from '../../workflows/credit-check.js';
import type { CreditReturnValues } from '../../workflows/credit-decision.js';
import { runDurationMs } from '../support/history.js';
import { recordingBitrix24 } from '../support/recording-bitrix24.js';
import { robotCall } from '../support/robot-calls.js';
import { createTimeSkippingEnv } from '../support/temporal-binaries.js';
import { createTestWorker, uniqueTaskQueue } from '../support/workflow-bundle.js';
import { keepForReplay, replayDataConverter } from '../support/replay-histories.js';

const FINANCE_TOKEN = 'finance-test-token-7c1d';
const KNOWN_COMPANY = 10;
const CREDIT: CreditCheckSettings = {
  waitMs: 30 * 60_000,
  retryIntervalMs: 60_000,
  attemptTimeoutMs: 7_000,
  approverUserId: 7,
};

const dataConverter = replayDataConverter();
let env: TestWorkflowEnvironment;
let finance: FinanceSimulator;

beforeAll(async () => {
  env = await createTimeSkippingEnv({ dataConverter });
  // Available limit of company 10: 1 000 000 − 250 000 = 750 000 RUB.
  finance = await startFinanceSimulator({
    apiToken: FINANCE_TOKEN,
    companies: { [String(KNOWN_COMPANY)]: { limit: 1_000_000, debt: 250_000, currency: 'RUB' } },
  });
}, 120_000);

afterAll(async () => {
  await finance?.close();
  await env?.teardown();
});

interface CreditRun {
  result: RobotOutcome<CreditReturnValues>;
  handles: WorkflowHandle[];
  bitrix24: ReturnType<typeof recordingBitrix24>;
  /** Epoch ms of the call as Bitrix24 stamped it (`call.ts`), in the environment's virtual time. */
  calledAtMs: number;
  virtualMs: number;
  financeCalls: number;
}

/** Delivers one CHECK_CREDIT_LIMIT call `deliveries` times, as the ingress starts it, and runs it to the end. */
async function runCreditCheck(
  properties: CreditCheckProperties,
  options: { deliveries?: number; apiToken?: string; calledSecondsAgo?: number } = {},
): Promise<CreditRun> {
  const bitrix24 = recordingBitrix24();
  const taskQueue = uniqueTaskQueue('credit');
  const worker = await createTestWorker(env, {
    taskQueue,
    dataConverter,
    activities: testActivities({
      bitrix24,
      finance: createFinanceClient({
        baseUrl: finance.url,
        apiToken: options.apiToken ?? FINANCE_TOKEN,
        timeoutMs: 5_000,
        logger: pino({ level: 'silent' }),
      }),
      settings: { credit: CREDIT },
    }),
  });
  // Time-skipping time is global to the environment and runs ahead of the wall clock after earlier tests.
  const calledAtMs = (Math.floor((await env.currentTimeMs()) / 1000) - (options.calledSecondsAgo ?? 0)) * 1000;
  const call = robotCall(CHECK_CREDIT_LIMIT.code, properties, {
    ts: calledAtMs / 1000,
    documentId: ['lists', 'BizprocDocument', 'SHIPMENT_REQUEST_31'],
    documentType: ['lists', 'BizprocDocument', 'iblock_22'],
  });
  const workflowId = robotWorkflowId(call.memberId, CHECK_CREDIT_LIMIT.code, eventTokenKey(call.eventToken));
  const deliver = () =>
    env.client.workflow.start(CHECK_CREDIT_LIMIT.workflowType, {
      taskQueue,
      workflowId,
      args: [call],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  const handles: WorkflowHandle[] = [];
  for (let delivery = 0; delivery < (options.deliveries ?? 1); delivery += 1) handles.push(await deliver());
  const financeBefore = finance.calls.length;
  const first = handles[0]!;
  const result = (await worker.runUntil(first.result())) as RobotOutcome<CreditReturnValues>;
  await keepForReplay(first, expect.getState().currentTestName);
  return {
    result,
    handles,
    bitrix24,
    calledAtMs,
    virtualMs: await runDurationMs(first),
    financeCalls: finance.calls.length - financeBefore,
  };
}

/** Virtual epoch ms at which the run scheduled the activity `name` (its first scheduling). */
async function scheduledAtMs(handle: WorkflowHandle, name: string): Promise<number | undefined> {
  const events = (await handle.fetchHistory()).events ?? [];
  const event = events.find((candidate) => candidate.activityTaskScheduledEventAttributes?.activityType?.name === name);
  const time = event?.eventTime;
  return time ? Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6) : undefined;
}

async function outcomeOf(handle: WorkflowHandle): Promise<unknown> {
  return (await handle.describe()).typedSearchAttributes.get(SA_OUTCOME);
}

describe('CHECK_CREDIT_LIMIT workflow (time-skipping, real finance simulator)', () => {
  it.each([
    { amount: 500_000, approvalRequired: false, reason: /^Within the credit limit: 500000 RUB of the available 750000 RUB/ },
    { amount: 750_000, approvalRequired: false, reason: /^Within the credit limit: 750000 RUB of the available 750000 RUB/ },
    { amount: 750_000.01, approvalRequired: true, reason: /^Above the credit limit: 750000\.01 RUB exceeds the available 750000 RUB/ },
  ])('decides at once for $amount RUB against an available 750 000 RUB', async ({ amount, approvalRequired, reason }) => {
    const run = await runCreditCheck({ company_id: KNOWN_COMPANY, amount, currency: 'RUB' });
    expect(run.result.returnValues).toEqual({ available_limit: 750_000, approval_required: approvalRequired, reason: expect.stringMatching(reason) });
    expect(run.financeCalls).toBe(1);
    const sends = run.bitrix24.callsTo('bizproc.event.send');
    expect(sends).toHaveLength(1);
    expect(sends[0]?.params).toMatchObject({ RETURN_VALUES: run.result.returnValues, LOG_MESSAGE: run.result.returnValues.reason });
    expect(run.bitrix24.callsTo('bizproc.activity.log')).toHaveLength(0);
    expect(run.bitrix24.callsTo('im.notify.system.add')).toHaveLength(0);
    // No timer on the way: the decision takes the finance API's latency plus the workflow's own round trips (about
    // 0.3 s warm; the bound leaves room for a cold worker on a busy machine).
    expect(run.virtualMs).toBeLessThan(5_000);
    expect(await outcomeOf(run.handles[0]!)).toBe(OUTCOMES.completed);
  });

  it('requires approval when the request currency differs from the limit currency', async () => {
    const run = await runCreditCheck({ company_id: KNOWN_COMPANY, amount: 10, currency: 'USD' });
    expect(run.result.returnValues).toMatchObject({ available_limit: 750_000, approval_required: true });
    expect(run.result.returnValues.reason).toMatch(/in USD but company 10's credit limit is kept in RUB/);
  });

  it('answers approval_required for an unknown company after one finance call, without retries', async () => {
    const run = await runCreditCheck({ company_id: 999, amount: 1 });
    expect(run.result.returnValues).toEqual({
      available_limit: 0,
      approval_required: true,
      reason: 'The finance system does not know company 999: manual approval required',
    });
    expect(run.financeCalls).toBe(1);
    expect(run.bitrix24.callsTo('bizproc.activity.log')).toHaveLength(0);
    expect(run.bitrix24.callsTo('im.notify.system.add')).toHaveLength(0);
    expect(run.bitrix24.callsTo('bizproc.event.send')).toHaveLength(1);
  });

  it('keeps trying through a 10-minute outage and then decides, without escalating', async () => {
    // Ten attempts, one a minute from the call, meet 503s; the eleventh, at 10:00, gets an answer.
    finance.failNext(10, 503, { retryAfterSeconds: 600 });
    const run = await runCreditCheck({ company_id: KNOWN_COMPANY, amount: 100_000 });

    expect(run.result.returnValues).toMatchObject({ available_limit: 750_000, approval_required: false });
    expect(run.financeCalls).toBe(11);
    const progress = run.bitrix24.callsTo('bizproc.activity.log');
    expect(progress).toHaveLength(10);
    expect(progress[0]?.params.LOG_MESSAGE).toMatch(/unavailable \(maintenance\) since .*attempt 1 failed; next try at/);
    expect(progress[9]?.params.LOG_MESSAGE).toMatch(/attempt 10 failed/);
    expect(run.bitrix24.callsTo('im.notify.system.add')).toHaveLength(0);
    expect(run.bitrix24.callsTo('bizproc.event.send')).toHaveLength(1);
    expect(run.virtualMs).toBeGreaterThanOrEqual(10 * 60_000);
    expect(run.virtualMs).toBeLessThan(10 * 60_000 + 5_000);
    expect(await outcomeOf(run.handles[0]!)).toBe(OUTCOMES.completed);
  });

  it('escalates exactly 30 minutes after the call when the finance system stays down, notifying the approver once', async () => {
    finance.setMaintenance(true);
    let run: CreditRun;
    try {
      run = await runCreditCheck({ company_id: KNOWN_COMPANY, amount: 100_000, currency: 'RUB' });
    } finally {
      // The outage outlasts the wait (31 minutes); it ends only after the run.
      finance.setMaintenance(false);
    }

    const { reason } = run.result.returnValues;
    expect(run.result.returnValues).toMatchObject({ available_limit: 0, approval_required: true });
    expect(reason).toMatch(/^The finance system has been unavailable since (\S+) \(maintenance\); no answer within 30 min of the request \(30 failed attempts\)/);
    const since = Date.parse(/since (\S+) /.exec(reason)?.[1] ?? '');
    expect(since - run.calledAtMs).toBeGreaterThanOrEqual(0);
    expect(since - run.calledAtMs).toBeLessThan(2_000);

    // One attempt a minute from 0:00 to 29:00, each with its progress line; the timer ends the wait before a 31st.
    expect(run.financeCalls).toBe(30);
    expect(run.bitrix24.callsTo('bizproc.activity.log')).toHaveLength(30);

    const notifications = run.bitrix24.callsTo('im.notify.system.add');
    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.params).toMatchObject({ USER_ID: CREDIT.approverUserId });
    expect(notifications[0]?.params.MESSAGE).toContain(reason);
    const sends = run.bitrix24.callsTo('bizproc.event.send');
    expect(sends).toHaveLength(1);
    expect(sends[0]?.params).toMatchObject({ RETURN_VALUES: { approval_required: true, available_limit: 0, reason } });

    // The escalation starts at call.ts + 30:00, to the timer's precision, not at the next attempt.
    const escalatedAt = await scheduledAtMs(run.handles[0]!, 'notifyCreditApprover');
    expect(escalatedAt! - run.calledAtMs).toBeGreaterThanOrEqual(CREDIT.waitMs);
    expect(escalatedAt! - run.calledAtMs).toBeLessThan(CREDIT.waitMs + 1_000);
    expect(await outcomeOf(run.handles[0]!)).toBe(OUTCOMES.escalated);
  });

  it('routes to manual approval at once, without retries or notification, when the finance system refuses our token', async () => {
    const run = await runCreditCheck({ company_id: KNOWN_COMPANY, amount: 1 }, { apiToken: 'wrong-token' });
    expect(run.result.returnValues).toEqual({
      available_limit: 0,
      approval_required: true,
      reason: expect.stringMatching(/^The credit limit could not be checked \(The finance system rejected our credentials \(HTTP 401\)/),
    });
    expect(run.result.returnValues.reason).not.toContain('wrong-token');
    expect(run.financeCalls).toBe(1);
    expect(run.bitrix24.callsTo('im.notify.system.add')).toHaveLength(0);
    expect(await outcomeOf(run.handles[0]!)).toBe(OUTCOMES.failed);
  });

  it('gives a call that arrives after its wait ran out one attempt, then escalates', async () => {
    finance.setMaintenance(true);
    let run: CreditRun;
    try {
      run = await runCreditCheck({ company_id: KNOWN_COMPANY, amount: 1 }, { calledSecondsAgo: 40 * 60 });
    } finally {
      finance.setMaintenance(false);
    }
    expect(run.financeCalls).toBe(1);
    expect(run.result.returnValues.reason).toMatch(/\(1 failed attempt\): manual approval required$/);
    expect(run.bitrix24.callsTo('im.notify.system.add')).toHaveLength(1);
    // The escalation waits one attempt timeout, not another retry interval.
    expect(run.virtualMs).toBeGreaterThanOrEqual(CREDIT.attemptTimeoutMs);
    expect(run.virtualMs).toBeLessThan(CREDIT.retryIntervalMs);
  });

  it('runs a duplicate delivery of the same call once', async () => {
    const run = await runCreditCheck({ company_id: KNOWN_COMPANY, amount: 1_000 }, { deliveries: 2 });
    const [first, second] = run.handles;
    expect(second?.workflowId).toBe(first?.workflowId);
    expect((await second!.describe()).runId).toBe((await first!.describe()).runId);
    expect(run.financeCalls).toBe(1);
    expect(run.bitrix24.callsTo('bizproc.event.send')).toHaveLength(1);

    // A delivery after the run finished starts nothing either (REJECT_DUPLICATE, as the ingress sets it).
    await expect(
      env.client.workflow.start(CHECK_CREDIT_LIMIT.workflowType, {
        taskQueue: 'nobody-polls-this',
        workflowId: first!.workflowId,
        args: [{}],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
  });
});
