import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { erpOrderExternalId } from '../../contracts/erp-order.js';
import { ERP_CREATE_ORDER } from '../../contracts/robot-declarations.js';
import { provisionWorkflowId } from '../../contracts/workflow-ids.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let handlerUrl: string;

beforeAll(async () => {
  stack = await startStack({ erpLatencyMs: 300 });
  handlerUrl = `${stack.apiUrl}/bitrix24/bizproc`;
  // Provisioning creates the deal field the robot writes (UF_CRM_ERP_ORDER_ID); a portal has it before any robot runs.
  await stack.temporal.client.workflow.getHandle(provisionWorkflowId(stack.emulator.memberId)).result();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

function dealWithRows(rowCount: number, fields: Record<string, unknown> = {}) {
  const deal = stack.emulator.state.addItem(ENTITY_TYPE.deal, {
    title: 'Order confirmed',
    opportunity: 1000,
    currencyId: 'RUB',
    assignedById: 3,
    ...fields,
  });
  stack.emulator.state.setProductRows(
    'D',
    deal.id as number,
    Array.from({ length: rowCount }, (_, index) => ({ productId: 100 + index, productName: `Part ${index}`, price: 10 + index, quantity: 2 })),
  );
  return deal;
}

describe('erp_create_order end to end: emulator → API → worker → SOAP ERP → emulator', () => {
  it('creates one order with every product row, writes it to the deal and notifies the responsible user', async () => {
    const deal = dealWithRows(120);
    const documentId: [string, string, string] = ['crm', 'CCrmDocumentDeal', `DEAL_${deal.id}`];
    const fired = await stack.emulator.fireRobot(handlerUrl, { code: ERP_CREATE_ORDER.code, documentId });
    expect(fired.status).toBe(200);
    // The same call delivered again while the ERP is still working: one run, one order.
    await stack.emulator.fireRobot(handlerUrl, { code: ERP_CREATE_ORDER.code, documentId, eventToken: fired.eventToken });

    const invocation = await stack.emulator.waitForRobotCompletion(fired.eventToken, 60_000);
    const orderId = String(invocation.returnValues?.erp_order_id);
    expect(orderId).toMatch(/^ERP-/);
    expect(invocation.returnValues?.error ?? '').toBe('');

    const externalId = erpOrderExternalId(stack.emulator.memberId, Number(deal.id));
    const order = stack.erp.orders.get(externalId);
    expect(order?.orderNumber).toBe(orderId);
    expect(order?.lines).toHaveLength(120);
    expect(stack.erp.calls.filter((call) => call.operation === 'CreateOrder' && call.externalId === externalId)).toHaveLength(1);

    const updated = stack.emulator.state.getItem(ENTITY_TYPE.deal, Number(deal.id));
    expect(JSON.stringify(updated)).toContain(orderId);
    const notifications = stack.emulator.callsTo('im.notify.system.add').filter((call) => JSON.stringify(call.params).includes(orderId));
    expect(notifications).toHaveLength(1);
  });

  it('does not create a second order when the deal already has one', async () => {
    const deal = dealWithRows(2, { ufCrmErpOrderId: 'ERP-EXISTING-1' });
    const before = stack.erp.calls.filter((call) => call.operation === 'CreateOrder').length;
    const fired = await stack.emulator.fireRobot(handlerUrl, {
      code: ERP_CREATE_ORDER.code,
      documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${deal.id}`],
    });
    const invocation = await stack.emulator.waitForRobotCompletion(fired.eventToken, 30_000);
    expect(invocation.returnValues).toMatchObject({ erp_order_id: 'ERP-EXISTING-1' });
    expect(stack.erp.calls.filter((call) => call.operation === 'CreateOrder').length).toBe(before);
  });
});
