import qs from 'qs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { erpOrderExternalId } from '../../contracts/erp-order.js';
import { ERP_CREATE_ORDER, JIRA_CREATE_PROJECT } from '../../contracts/robot-declarations.js';
import type { RobotOutcome } from '../../contracts/robot-call.js';
import { portalIdentity, robotCallBody } from '../faults/support/bitrix24-bodies.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let handlerUrl: string;

beforeAll(async () => {
  stack = await startStack({ erpLatencyMs: 50 });
  handlerUrl = `${stack.apiUrl}/bitrix24/bizproc`;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

/**
 * What a portal user who opened one of the app's widgets can send: the real `application_token` (the placement call
 * carried it), a business-process id and event token made up, a deal of their choosing.
 */
async function forgeRobotCall(code: string, dealId: number, properties: Record<string, unknown> = {}) {
  const body = robotCallBody(portalIdentity(stack.emulator), { code, dealId, properties });
  const response = await fetch(handlerUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: qs.stringify(body),
  });
  const answer = (await response.json()) as { workflowId: string };
  expect(response.status).toBe(200);
  const outcome = (await stack.temporal.client.workflow.getHandle(answer.workflowId).result()) as RobotOutcome;
  return { outcome, workflowId: String(body.workflow_id) };
}

function deal(title: string) {
  const item = stack.emulator.state.addItem(ENTITY_TYPE.deal, { title, opportunity: 500, currencyId: 'RUB', assignedById: 3 });
  stack.emulator.state.setProductRows('D', Number(item.id), [{ productId: 7, productName: 'Pump', price: 250, quantity: 2 }]);
  return Number(item.id);
}

/** Every recorded REST call that touched this deal, other than reads. */
function writesAbout(dealId: number): string[] {
  const writes = ['crm.deal.update', 'crm.item.update', 'im.notify.system.add', 'crm.timeline.logmessage.add', 'tasks.task.add'];
  return stack.emulator.calls
    .filter((call) => writes.includes(call.method) && JSON.stringify(call.params).includes(String(dealId)))
    .map((call) => call.method);
}

describe('forged robot calls end to end: a valid application_token, a made-up business process', () => {
  it('erp_create_order: no ERP order, no write to the deal, no notification; the refusal goes to bizproc.event.send and is refused', async () => {
    const dealId = deal('Forged order');
    const sendsBefore = stack.emulator.callsTo('bizproc.event.send').length;

    const { outcome, workflowId } = await forgeRobotCall(ERP_CREATE_ORDER.code, dealId);

    expect(outcome.delivered).toBe(false);
    expect(outcome.returnValues).toEqual({
      erp_order_id: '',
      error: `Not run: Bitrix24 runs no business process ${workflowId} on DEAL_${dealId}`,
    });
    const externalId = erpOrderExternalId(stack.emulator.memberId, dealId);
    expect(stack.erp.calls.filter((call) => call.externalId === externalId)).toEqual([]);
    expect(stack.erp.orders.has(externalId)).toBe(false);
    expect(writesAbout(dealId)).toEqual([]);
    const sends = stack.emulator.callsTo('bizproc.event.send').slice(sendsBefore);
    expect(sends.map((call) => [call.status, call.error])).toEqual([[403, 'ACCESS_DENIED']]);
    const checks = stack.emulator.callsTo('bizproc.workflow.instances').filter((call) => JSON.stringify(call.params).includes(workflowId));
    expect(checks.map((call) => call.status)).toEqual([200]);
  });

  it('jira_create_project: no Jira issue, and not even a read of the deal', async () => {
    const dealId = deal('Forged Jira');
    const jiraCallsBefore = stack.jira.calls.length;
    const readsBefore = stack.emulator.callsTo('crm.deal.get').length;

    const { outcome } = await forgeRobotCall(JIRA_CREATE_PROJECT.code, dealId, { project_key: 'OPS' });

    expect(outcome).toMatchObject({ delivered: false, returnValues: { issue_id: '' } });
    expect(outcome.logMessage).toMatch(/^Not run: Bitrix24 runs no business process /);
    expect(stack.jira.calls.length).toBe(jiraCallsBefore);
    expect(stack.emulator.callsTo('crm.deal.get').length).toBe(readsBefore);
    expect(writesAbout(dealId)).toEqual([]);
  });

  it('a genuine call on the same portal still runs: Bitrix24 confirms the process the emulator started', async () => {
    const dealId = deal('Genuine order');
    const fired = await stack.emulator.fireRobot(handlerUrl, {
      code: ERP_CREATE_ORDER.code,
      documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${dealId}`],
    });
    const invocation = await stack.emulator.waitForRobotCompletion(fired.eventToken, 60_000);
    expect(String(invocation.returnValues?.erp_order_id)).toMatch(/^ERP-/);
  });
});
