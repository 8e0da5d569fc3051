import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAL_DOCUMENT_TYPE, ROBOT_DECLARATIONS } from '../../contracts/robot-declarations.js';
import { SHIPMENT_LIST, SHIPMENT_PROPERTY_KEYS } from '../../contracts/shipment-list.js';
import { provisionWorkflowId } from '../../contracts/workflow-ids.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function provisioned(): Promise<void> {
  const handle = stack.temporal.client.workflow.getHandle(provisionWorkflowId(stack.emulator.memberId));
  await handle.result();
}

function registeredCodes(): string[] {
  return [...stack.emulator.state.robots.keys(), ...stack.emulator.state.activities.keys()].sort();
}

describe('install callback → provisioning', () => {
  it('registers every declared robot and activity, the event bindings and the placements', async () => {
    await provisioned();
    expect(registeredCodes()).toEqual(ROBOT_DECLARATIONS.map((declaration) => declaration.code).sort());
    const handlers = JSON.stringify(stack.emulator.state.placements);
    expect(handlers).toContain('CRM_DEAL_DETAIL_TAB');
    expect(stack.emulator.callsTo('event.bind').length).toBeGreaterThan(0);
  });

  it('creates the shipment list with its fields and the ERP order field with nothing configured, as npm start runs it', async () => {
    await provisioned();
    const { state } = stack.emulator;
    const list = state.lists.find((candidate) => candidate.CODE === SHIPMENT_LIST.iblockCode);
    expect(list).toMatchObject({ IBLOCK_TYPE_ID: 'lists', NAME: SHIPMENT_LIST.name });
    expect(state.listProperties.filter((property) => property.IBLOCK_ID === list?.ID)).toHaveLength(SHIPMENT_PROPERTY_KEYS.length);
    expect(state.userFields).toContainEqual(expect.objectContaining({ entityId: 'CRM_DEAL', fieldName: 'UF_CRM_ERP_ORDER_ID', userTypeId: 'string' }));
    // Deal robots are offered on deals only.
    const dealRobots = ROBOT_DECLARATIONS.filter((robot) => robot.kind === 'robot').map((robot) => robot.code).sort();
    expect(stack.emulator.designerRobots(DEAL_DOCUMENT_TYPE).sort()).toEqual(dealRobots);
    expect(stack.emulator.designerRobots(['crm', 'CCrmDocumentLead', 'LEAD'])).toEqual([]);
  });

  it('restores the robots after an app update deleted them: ONAPPUPDATE arrives because provisioning bound it', async () => {
    await provisioned();
    const updated = await stack.emulator.updateApp();
    expect(updated).toMatchObject([{ handler: `${stack.apiUrl}/bitrix24/install`, status: 200 }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await provisioned();
    expect(registeredCodes()).toEqual(ROBOT_DECLARATIONS.map((declaration) => declaration.code).sort());
    const lifecycle = stack.emulator.state.eventBindings.filter((binding) => binding.event.startsWith('ONAPP')).map((binding) => binding.event);
    expect(lifecycle.sort()).toEqual(['ONAPPINSTALL', 'ONAPPUNINSTALL', 'ONAPPUPDATE']);
  });

  it('refuses an install callback for a domain that is not allowed, and starts nothing', async () => {
    const response = await fetch(`${stack.apiUrl}/bitrix24/install`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        event: 'ONAPPINSTALL',
        'auth[domain]': 'evil.example.com',
        'auth[member_id]': 'evil-member',
        'auth[client_endpoint]': 'https://evil.example.com/rest/',
        'auth[server_endpoint]': 'https://oauth.bitrix.info/rest/',
        'auth[access_token]': 'a',
        'auth[refresh_token]': 'r',
        'auth[application_token]': 't',
      }).toString(),
    });
    expect(response.status).toBe(403);
    const runs = await stack.temporal.client.workflow.count(`WorkflowId = '${provisionWorkflowId('evil-member')}'`);
    expect(runs.count).toBe(0);
  });
});
