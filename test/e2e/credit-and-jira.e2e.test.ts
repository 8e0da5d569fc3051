import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_CREDIT_LIMIT, JIRA_CREATE_PROJECT } from '../../contracts/robot-declarations.js';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let handlerUrl: string;

beforeAll(async () => {
  stack = await startStack();
  handlerUrl = `${stack.apiUrl}/bitrix24/bizproc`;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('check_credit_limit end to end', () => {
  it('approves automatically when the amount fits the available limit', async () => {
    const fired = await stack.emulator.fireRobot(handlerUrl, {
      code: CHECK_CREDIT_LIMIT.code,
      documentId: ['lists', 'BizprocDocument', '42'],
      documentType: ['lists', 'BizprocDocument', 'iblock_7'],
      properties: { company_id: '1', amount: '100000.50', currency: 'RUB' },
    });
    expect(fired.status).toBe(200);
    const invocation = await stack.emulator.waitForRobotCompletion(fired.eventToken, 30_000);
    expect(invocation.returnValues).toMatchObject({ available_limit: 3_800_000, approval_required: false });
    expect(stack.finance.calls.length).toBeGreaterThan(0);
  });

  it('routes to approval when the amount exceeds the available limit, and for an unknown company', async () => {
    const over = await stack.emulator.fireRobot(handlerUrl, { code: CHECK_CREDIT_LIMIT.code, properties: { company_id: '5', amount: '1' } });
    const unknown = await stack.emulator.fireRobot(handlerUrl, { code: CHECK_CREDIT_LIMIT.code, properties: { company_id: '999', amount: '1' } });
    const [overResult, unknownResult] = await Promise.all([
      stack.emulator.waitForRobotCompletion(over.eventToken, 30_000),
      stack.emulator.waitForRobotCompletion(unknown.eventToken, 30_000),
    ]);
    expect(overResult.returnValues).toMatchObject({ approval_required: true, available_limit: -120_000 });
    expect(unknownResult.returnValues).toMatchObject({ approval_required: true });
    expect(String(unknownResult.returnValues?.reason)).toMatch(/999/);
  });

  it('rejects a call whose required property is missing with 400 naming it', async () => {
    const fired = await stack.emulator.fireRobot(handlerUrl, { code: CHECK_CREDIT_LIMIT.code, properties: { amount: '10' } });
    expect(fired.status).toBe(400);
    expect(JSON.stringify(fired.body)).toMatch(/company_id/);
  });
});

describe('jira_create_project end to end', () => {
  it('creates one Jira issue for the deal, even when the robot call is delivered twice', async () => {
    const deal = stack.emulator.state.addItem(ENTITY_TYPE.deal, {
      title: 'Warehouse automation',
      opportunity: 125000,
      currencyId: 'RUB',
      assignedById: 3,
    });
    const documentId: [string, string, string] = ['crm', 'CCrmDocumentDeal', `DEAL_${deal.id}`];
    const first = await stack.emulator.fireRobot(handlerUrl, { code: JIRA_CREATE_PROJECT.code, documentId, properties: { project_key: 'OPS' } });
    const again = await stack.emulator.fireRobot(handlerUrl, {
      code: JIRA_CREATE_PROJECT.code,
      documentId,
      properties: { project_key: 'OPS' },
      eventToken: first.eventToken,
    });
    expect(again.status).toBe(200);
    const invocation = await stack.emulator.waitForRobotCompletion(first.eventToken, 30_000);
    const issueId = String(invocation.returnValues?.issue_id);
    expect(issueId).toMatch(/^OPS-\d+$/);
    const issues = [...stack.jira.issues.values()].filter((issue) => JSON.stringify(issue).includes(`-${deal.id}`));
    expect(issues).toHaveLength(1);
  });

  it('completes with the error in the log when Jira rejects the project key', async () => {
    const deal = stack.emulator.state.addItem(ENTITY_TYPE.deal, { title: 'Bad key', opportunity: 1, currencyId: 'RUB', assignedById: 3 });
    const fired = await stack.emulator.fireRobot(handlerUrl, {
      code: JIRA_CREATE_PROJECT.code,
      documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${deal.id}`],
      properties: { project_key: 'NOPE' },
    });
    const invocation = await stack.emulator.waitForRobotCompletion(fired.eventToken, 30_000);
    expect(invocation.returnValues).toMatchObject({ issue_id: '' });
    expect(invocation.logMessages.join('\n')).toMatch(/NOPE|project/i);
  });
});
