import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testActivities } from '../support/test-activities.js';
import { createJiraClient } from '../../integrations/jira/client.js';
import { dealLabel } from '../../integrations/jira/labels.js';
import type { RobotOutcome } from '../../contracts/robot-call.js';
import { JIRA_CREATE_PROJECT } from '../../contracts/robot-declarations.js';
import { OUTCOMES, SA_OUTCOME } from '../../contracts/search-attributes.js';
import { eventTokenKey, robotWorkflowId } from '../../contracts/workflow-ids.js';
import { startJiraSimulator, type JiraSimulator } from '../../emulators/jira/simulator.js';
import type { JiraProjectReturnValues } from '../../workflows/jira-project.js';
import { runDurationMs } from '../support/history.js';
import { recordingBitrix24 } from '../support/recording-bitrix24.js';
import { robotCall } from '../support/robot-calls.js';
import { workflowInstancesAnswer } from '../support/running-processes.js';
import { createTimeSkippingEnv } from '../support/temporal-binaries.js';
import { createTestWorker, uniqueTaskQueue } from '../support/workflow-bundle.js';
import { keepForReplay, replayDataConverter } from '../support/replay-histories.js';

const JIRA_EMAIL = 'automation@example.com';
const JIRA_TOKEN = 'jira-secret-9f3a61c2';
const MEMBER_ID = 'member-test';

const dataConverter = replayDataConverter();
const logLines: string[] = [];
let env: TestWorkflowEnvironment;
let jira: JiraSimulator;

beforeAll(async () => {
  env = await createTimeSkippingEnv({ dataConverter });
  jira = await startJiraSimulator({ email: JIRA_EMAIL, apiToken: JIRA_TOKEN, projects: ['OPS'] });
}, 120_000);

afterAll(async () => {
  await jira?.close();
  await env?.teardown();
});

/** crm.deal.get as Bitrix24 answers it: numbers as strings. */
function dealRecord(dealId: number) {
  return { ID: String(dealId), TITLE: `Warehouse rollout ${dealId}`, OPPORTUNITY: '1200000.00', CURRENCY_ID: 'RUB', ASSIGNED_BY_ID: '15' };
}

interface JiraRun {
  result: RobotOutcome<JiraProjectReturnValues>;
  handles: WorkflowHandle[];
  bitrix24: ReturnType<typeof recordingBitrix24>;
  virtualMs: number;
}

/** Delivers one JIRA_CREATE_PROJECT call for a deal `deliveries` times, as the ingress starts it, and runs it. */
async function runJiraRobot(
  dealId: number,
  projectKey: string,
  options: { deliveries?: number; processRunning?: boolean } = {},
): Promise<JiraRun> {
  const documentId: [string, string, string] = ['crm', 'CCrmDocumentDeal', `DEAL_${dealId}`];
  const bitrix24 = recordingBitrix24((method, params) => {
    if (method === 'crm.deal.get') return dealRecord(dealId);
    if (method === 'bizproc.workflow.instances') return workflowInstancesAnswer(params, documentId, () => options.processRunning ?? true);
    return true;
  });
  const taskQueue = uniqueTaskQueue('jira');
  const worker = await createTestWorker(env, {
    taskQueue,
    dataConverter,
    activities: testActivities({
      bitrix24,
      jira: createJiraClient({
        baseUrl: jira.url,
        email: JIRA_EMAIL,
        apiToken: JIRA_TOKEN,
        timeoutMs: 5_000,
        logger: pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) }),
      }),
    }),
  });
  const call = robotCall(JIRA_CREATE_PROJECT.code, { project_key: projectKey }, {
    memberId: MEMBER_ID,
    documentId,
    ts: Math.floor((await env.currentTimeMs()) / 1000),
  });
  const workflowId = robotWorkflowId(call.memberId, JIRA_CREATE_PROJECT.code, eventTokenKey(call.eventToken));
  const handles: WorkflowHandle[] = [];
  for (let delivery = 0; delivery < (options.deliveries ?? 1); delivery += 1) {
    handles.push(
      await env.client.workflow.start(JIRA_CREATE_PROJECT.workflowType, {
        taskQueue,
        workflowId,
        args: [call],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    );
  }
  const first = handles[0]!;
  const result = (await worker.runUntil(first.result())) as RobotOutcome<JiraProjectReturnValues>;
  await keepForReplay(first, expect.getState().currentTestName);
  return { result, handles, bitrix24, virtualMs: await runDurationMs(first) };
}

const issuesOf = (dealId: number) => jira.issues.filter((issue) => issue.labels.includes(dealLabel(MEMBER_ID, dealId)));

async function outcomeOf(handle: WorkflowHandle): Promise<unknown> {
  return (await handle.describe()).typedSearchAttributes.get(SA_OUTCOME);
}

describe('JIRA_CREATE_PROJECT workflow (time-skipping, real Jira simulator)', () => {
  it('a call Bitrix24 does not confirm creates no issue and reads nothing; it answers with the error', async () => {
    const jiraCallsBefore = jira.calls.length;
    const run = await runJiraRobot(150, 'OPS', { processRunning: false });
    expect(issuesOf(150)).toEqual([]);
    expect(jira.calls).toHaveLength(jiraCallsBefore);
    expect(run.bitrix24.calls.map((call) => call.method)).toEqual(['bizproc.workflow.instances', 'bizproc.event.send']);
    expect(run.result.returnValues).toEqual({ issue_id: '' });
    expect(run.result.logMessage).toMatch(/^Not run: Bitrix24 runs no business process bp-\d+ on DEAL_150$/);
    expect(await outcomeOf(run.handles[0]!)).toBe(OUTCOMES.failed);
  });

  it('creates one issue from the deal and returns its key as issue_id', async () => {
    const run = await runJiraRobot(101, 'OPS');

    const issues = issuesOf(101);
    expect(issues).toHaveLength(1);
    const issue = issues[0]!;
    expect(issue).toMatchObject({ projectKey: 'OPS', summary: 'Deal 101: Warehouse rollout 101', issueType: 'Task' });
    const description = JSON.stringify(issue.description);
    expect(description).toContain('Amount: 1200000 RUB');
    expect(description).toContain('https://test.bitrix24.com/crm/deal/details/101/');

    expect(run.result.returnValues).toEqual({ issue_id: issue.key });
    expect(run.bitrix24.callsTo('crm.deal.get')[0]?.params).toEqual({ id: 101 });
    const sends = run.bitrix24.callsTo('bizproc.event.send');
    expect(sends).toHaveLength(1);
    expect(sends[0]?.params).toMatchObject({ RETURN_VALUES: { issue_id: issue.key } });
    expect(sends[0]?.params.LOG_MESSAGE).toBe(`Jira issue ${issue.key} (id ${issue.id}) created in project OPS`);
    expect(await outcomeOf(run.handles[0]!)).toBe(OUTCOMES.completed);
  });

  it('runs a duplicate delivery once and creates one issue', async () => {
    const run = await runJiraRobot(102, 'OPS', { deliveries: 2 });
    expect((await run.handles[1]!.describe()).runId).toBe((await run.handles[0]!.describe()).runId);
    expect(issuesOf(102)).toHaveLength(1);
    expect(run.bitrix24.callsTo('bizproc.event.send')).toHaveLength(1);
  });

  it('finds the existing issue when the robot runs again for the same deal', async () => {
    const first = await runJiraRobot(103, 'OPS');
    const creates = jira.calls.filter((call) => call.method === 'POST' && call.path === '/rest/api/3/issue').length;
    const again = await runJiraRobot(103, 'OPS');

    expect(issuesOf(103)).toHaveLength(1);
    expect(jira.calls.filter((call) => call.method === 'POST' && call.path === '/rest/api/3/issue')).toHaveLength(creates);
    expect(again.result.returnValues).toEqual(first.result.returnValues);
    expect(again.result.logMessage).toMatch(/already existed for this deal/);
  });

  it('retries Jira 5xx answers and then creates the issue', async () => {
    const callsBefore = jira.calls.length;
    jira.failNext(2, 503);
    const run = await runJiraRobot(104, 'OPS');

    const answered = jira.calls.slice(callsBefore).map((call) => call.status);
    expect(answered.slice(0, 2)).toEqual([503, 503]);
    expect(answered.slice(2)).toEqual([200, 201]);
    expect(issuesOf(104)).toHaveLength(1);
    expect(run.result.returnValues).toEqual({ issue_id: issuesOf(104)[0]!.key });
    // Retries 5 s, then 10 s apart (the search index may lag a lost create by seconds).
    expect(run.virtualMs).toBeGreaterThanOrEqual(15_000);
    expect(run.virtualMs).toBeLessThan(60_000);
  });

  it('completes with Jira’s error in the log when the project key is rejected', async () => {
    const run = await runJiraRobot(105, 'NOPE');

    expect(issuesOf(105)).toHaveLength(0);
    expect(run.result.returnValues).toEqual({ issue_id: '' });
    const sends = run.bitrix24.callsTo('bizproc.event.send');
    expect(sends).toHaveLength(1);
    expect(sends[0]?.params.RETURN_VALUES).toEqual({ issue_id: '' });
    expect(sends[0]?.params.LOG_MESSAGE).toBe('No Jira issue for deal 105: Jira rejected the request (HTTP 400): project: valid project is required');
    expect(await outcomeOf(run.handles[0]!)).toBe(OUTCOMES.failed);
    // Rejected at once: no retry of a request Jira will always refuse.
    expect(run.virtualMs).toBeLessThan(5_000);
  });

  it('never puts the Jira token into Bitrix24 calls or logs', () => {
    const credential = Buffer.from(`${JIRA_EMAIL}:${JIRA_TOKEN}`).toString('base64');
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) {
      expect(line).not.toContain(JIRA_TOKEN);
      expect(line).not.toContain(credential);
    }
  });
});
