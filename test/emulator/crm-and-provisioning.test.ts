import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { callRest, installForTokens, startCaptureServer } from './helpers.js';

describe('Bitrix24 emulator: CRM data, events and provisioning', () => {
  let emulator: Bitrix24Emulator;
  let handler: Awaited<ReturnType<typeof startCaptureServer>>;
  let call: (method: string, params?: Record<string, unknown>) => ReturnType<typeof callRest>;
  beforeAll(async () => {
    emulator = await startBitrix24Emulator({ rateLimit: false });
    handler = await startCaptureServer();
  });
  beforeEach(async () => {
    emulator.reset();
    const { accessToken } = await installForTokens(emulator);
    call = (method, params = {}) => callRest(emulator.clientEndpoint, method, { ...params, auth: accessToken });
  });
  afterAll(async () => {
    await emulator.close();
    await handler.close();
  });

  it('lists smart-process items 50 per page with prefixed filters, order and start=-1', async () => {
    for (let index = 1; index <= 120; index += 1) emulator.state.addItem(1030, { title: `Claim ${index}`, opportunity: index });
    const first = await call('crm.item.list', { entityTypeId: 1030, filter: { '>opportunity': 10 }, order: { id: 'ASC' } });
    const items = (first.body.result as { items: { id: number }[] }).items;
    expect(items).toHaveLength(50);
    expect(items[0]?.id).toBe(11);
    expect(first.body).toMatchObject({ total: 110, next: 50 });

    const last = await call('crm.item.list', { entityTypeId: 1030, filter: { '>opportunity': 10 }, start: 100 });
    expect((last.body.result as { items: unknown[] }).items).toHaveLength(10);
    expect(last.body.next).toBeUndefined();

    const fast = await call('crm.item.list', { entityTypeId: 1030, filter: { '>id': 100, '@id': [101, 105, 130] }, start: -1 });
    expect((fast.body.result as { items: { id: number }[] }).items.map((item) => item.id)).toEqual([101, 105]);
    expect(fast.body.total).toBeUndefined();

    const unknownType = await call('crm.item.list', { entityTypeId: 999 });
    expect(unknownType).toMatchObject({ status: 400, body: { error: 'NOT_FOUND' } });
  });

  it('adds, updates and reads items in camelCase; crm.deal.* speaks UPPER_CASE and fails with an empty code', async () => {
    for (const fieldName of ['UF_CRM_1747309879', 'UF_CRM_ERP_ORDER_ID']) {
      await call('userfieldconfig.add', { moduleId: 'crm', field: { entityId: 'CRM_DEAL', fieldName, userTypeId: 'string' } });
    }
    const added = await call('crm.item.add', { entityTypeId: 2, fields: { title: 'Big deal', ufCrm_1747309879: 'x', opportunity: 500 } });
    const id = (added.body.result as { item: { id: number } }).item.id;
    const deal = await call('crm.deal.get', { id });
    expect(deal.body.result).toMatchObject({ ID: String(id), TITLE: 'Big deal', UF_CRM_1747309879: 'x', OPPORTUNITY: '500', UF_CRM_ERP_ORDER_ID: null });

    expect((await call('crm.deal.update', { id, fields: { UF_CRM_ERP_ORDER_ID: 'ERP-7' } })).body.result).toBe(true);
    const item = await call('crm.item.get', { entityTypeId: 2, id });
    expect((item.body.result as { item: Record<string, unknown> }).item).toMatchObject({ ufCrmErpOrderId: 'ERP-7', title: 'Big deal' });

    expect(await call('crm.deal.get', { id: 9999 })).toEqual({ status: 400, body: { error: '', error_description: 'Not found' } });
    expect(await call('crm.item.get', { entityTypeId: 2, id: 9999 })).toMatchObject({ status: 400, body: { error: 'NOT_FOUND' } });
  });

  it('pages product rows by owner', async () => {
    emulator.state.setProductRows('SI', 7, Array.from({ length: 60 }, (_, index) => ({ productName: `P${index}`, price: 2, quantity: 3 })));
    const page = await call('crm.item.productrow.list', { filter: { '=ownerType': 'SI', '=ownerId': 7 } });
    expect((page.body.result as { productRows: unknown[] }).productRows).toHaveLength(50);
    expect(page.body).toMatchObject({ total: 60, next: 50 });
    expect((page.body.result as { productRows: Record<string, unknown>[] }).productRows[0]).toMatchObject({ ownerType: 'SI', ownerId: 7, price: 2, quantity: 3 });
    expect((await call('crm.item.productrow.list', { filter: { '=ownerId': 7 } })).status).toBe(400);
  });

  it('delivers online events to bound handlers and queues offline ones, one record per object, with clear=0 reservation', async () => {
    expect((await call('event.bind', { event: 'ONCRMDYNAMICITEMADD', handler: handler.url })).body.result).toBe(true);
    expect((await call('event.bind', { event: 'onCrmDynamicItemUpdate', event_type: 'offline', auth_connector: 'b24-temporal' })).status).toBe(200);
    expect((await call('event.bind', { event: 'ONCRMDYNAMICITEMADD', handler: handler.url })).body).toMatchObject({ error: 'ERROR_HANDLER_ALREADY_EXIST' });
    expect((await call('event.bind', { event: 'ONNOTHING', handler: handler.url })).body).toMatchObject({ error: 'ERROR_EVENT_NOT_FOUND' });

    const before = handler.requests.length;
    const added = await call('crm.item.add', { entityTypeId: 31, fields: { title: 'Invoice' } });
    const id = (added.body.result as { item: { id: number } }).item.id;
    await emulator.settleDeliveries();
    const delivered = handler.requests.slice(before);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.form).toMatchObject({ event: 'ONCRMDYNAMICITEMADD', data: { FIELDS: { ID: String(id), ENTITY_TYPE_ID: '31' } } });

    emulator.userUpdatesItem(31, id, { title: 'Edited once' });
    emulator.userUpdatesItem(31, id, { title: 'Edited twice' });
    await call('crm.item.update', { entityTypeId: 31, id, fields: { title: 'Our own write' }, auth_connector: 'b24-temporal' });
    expect(emulator.state.offlineEvents).toHaveLength(1);

    const reserved = await call('event.offline.get', { clear: 0, auth_connector: 'b24-temporal' });
    const { process_id: processId, events } = reserved.body.result as { process_id: string; events: { EVENT_NAME: string; MESSAGE_ID: string }[] };
    expect(events).toMatchObject([{ EVENT_NAME: 'ONCRMDYNAMICITEMUPDATE', EVENT_DATA: { FIELDS: { ID: id, ENTITY_TYPE_ID: 31 } } }]);
    expect(((await call('event.offline.get', { clear: 0, auth_connector: 'b24-temporal' })).body.result as { events: unknown[] }).events).toEqual([]);
    expect((await call('event.offline.clear', { process_id: processId, auth_connector: 'b24-temporal' })).body.result).toBe(true);
    expect(emulator.state.offlineEvents).toHaveLength(0);
  });

  it('registers robots and activities, refuses duplicates, and drops them on an app update', async () => {
    const robot = { CODE: 'erp_order', HANDLER: handler.url, NAME: { en: 'ERP order' }, USE_SUBSCRIPTION: 'Y', RETURN_PROPERTIES: { orderId: { Name: { en: 'Order' }, Type: 'string' } } };
    expect((await call('bizproc.robot.add', robot)).body.result).toBe(true);
    expect(await call('bizproc.robot.add', robot)).toMatchObject({ status: 400, body: { error: 'ERROR_ACTIVITY_ALREADY_INSTALLED' } });
    expect((await call('bizproc.robot.add', { ...robot, CODE: 'x', HANDLER: 'ftp://h' })).body).toMatchObject({ error: 'ERROR_UNSUPPORTED_PROTOCOL' });
    expect((await call('bizproc.activity.add', { ...robot, CODE: 'GET_1C_PRICE' })).body.result).toBe(true);
    expect((await call('bizproc.robot.list')).body.result).toEqual(['erp_order']);
    expect((await call('bizproc.robot.update', { CODE: 'missing', FIELDS: { NAME: 'x' } })).body).toMatchObject({ error: 'ERROR_ACTIVITY_NOT_FOUND' });

    const fired = await emulator.fireRobot(handler.url, { code: 'erp_order' });
    await call('bizproc.event.send', { EVENT_TOKEN: fired.eventToken, RETURN_VALUES: { ORDERID: 'E-1', unknown: 1 } });
    expect(emulator.robotResult(fired.eventToken)?.returnValues).toEqual({ orderId: 'E-1' });

    await emulator.updateApp();
    expect((await call('bizproc.robot.list')).body.result).toEqual([]);
    expect((await call('bizproc.activity.list')).body.result).toEqual([]);
  });

  it('keeps tasks, notifications, timeline, lists, types, fields and placements', async () => {
    const task = await call('tasks.task.add', { fields: { TITLE: 'Check claim', RESPONSIBLE_ID: 2, UF_CRM_TASK: ['T406_1'] } });
    expect((task.body.result as { task: Record<string, unknown> }).task).toMatchObject({ title: 'Check claim', responsibleId: '2' });
    expect(emulator.state.tasks).toMatchObject([{ title: 'Check claim', ufCrmTask: ['T406_1'] }]);
    expect((await call('tasks.task.add', { fields: { RESPONSIBLE_ID: 2 } })).body).toMatchObject({ error: 'ERROR_CORE' });
    expect(typeof (await call('im.notify.system.add', { USER_ID: 2, MESSAGE: 'Hi' })).body.result).toBe('number');
    expect(emulator.state.notifications).toMatchObject([{ userId: 2, message: 'Hi', kind: 'system' }]);

    const type = await call('crm.type.add', { fields: { title: 'Claim', entityTypeId: 1030 } });
    expect((type.body.result as { type: Record<string, unknown> }).type).toMatchObject({ id: 1, entityTypeId: 1030, isStagesEnabled: 'N' });
    expect((await call('crm.type.add', { fields: { title: 'Bad', entityTypeId: 1031 } })).body).toMatchObject({ error: 'INVALID_ARG_VALUE' });
    expect((await call('crm.type.list')).body).toMatchObject({ result: { types: [{ title: 'Claim' }] }, total: 1 });
    const field = { entityId: 'CRM_1', fieldName: 'UF_CRM_1_NUMBER', userTypeId: 'string' };
    expect((await call('userfieldconfig.add', { moduleId: 'crm', field })).status).toBe(200);
    expect(await call('userfieldconfig.add', { moduleId: 'crm', field })).toMatchObject({ status: 400, body: { error: '' } });
    expect((await call('userfieldconfig.list', { moduleId: 'crm' })).body).toMatchObject({ total: 1 });

    const claim = emulator.state.addItem(1030, { title: 'C' });
    expect((await call('crm.timeline.logmessage.add', { fields: { entityTypeId: 1030, entityId: claim.id, title: 'ERP', text: 'sent' } })).status).toBe(200);

    const iblockId = (await call('lists.add', { IBLOCK_TYPE_ID: 'lists', IBLOCK_CODE: 'rows', FIELDS: { NAME: 'Rows' } })).body.result;
    const list = { IBLOCK_TYPE_ID: 'lists', IBLOCK_ID: iblockId };
    const property = String((await call('lists.field.add', { ...list, FIELDS: { NAME: 'Note', TYPE: 'S', CODE: 'NOTE' } })).body.result);
    const elementId = (await call('lists.element.add', { ...list, ELEMENT_CODE: 'row-1', FIELDS: { NAME: 'Row', [property]: 'a' } })).body.result;
    expect((await call('lists.element.add', { ...list, ELEMENT_CODE: 'row-1', FIELDS: { NAME: 'Row' } })).body).toMatchObject({ error: 'ERROR_ELEMENT_ALREADY_EXISTS' });
    await call('lists.element.update', { ...list, ELEMENT_CODE: 'row-1', FIELDS: { NAME: 'Row 2' } });
    const got = await call('lists.element.get', { ...list, ELEMENT_ID: elementId });
    expect(got.body.result).toEqual([{ ID: String(elementId), NAME: 'Row 2', IBLOCK_SECTION_ID: null, CREATED_BY: '1', CODE: 'row-1' }]);
    expect((await call('lists.element.delete', { ...list, ELEMENT_ID: elementId })).body.result).toBe(true);

    expect((await call('placement.bind', { PLACEMENT: 'CRM_DYNAMIC_1030_DETAIL_TAB', HANDLER: handler.url, TITLE: 'Runs' })).body.result).toBe(true);
    expect((await callRest(emulator.webhookUrl(), 'placement.get', {})).body).toMatchObject({ error: 'WRONG_AUTH_TYPE' });
    expect((await call('placement.get')).body.result).toMatchObject([{ placement: 'CRM_DYNAMIC_1030_DETAIL_TAB', title: 'Runs' }]);
  });

  it('exposes the control API over HTTP', async () => {
    const failure = await fetch(`${emulator.url}/_emulator/failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'user.current', times: 1, status: 503, error: 'QUERY_LIMIT_EXCEEDED' }),
    });
    expect(failure.status).toBe(200);
    expect((await call('user.current')).status).toBe(503);
    const calls = (await (await fetch(`${emulator.url}/_emulator/calls?method=user.current`)).json()) as unknown[];
    expect(calls).toMatchObject([{ method: 'user.current', status: 503, error: 'QUERY_LIMIT_EXCEEDED' }]);
    const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as Record<string, unknown>;
    expect(state).toMatchObject({ memberId: emulator.memberId, applicationToken: emulator.applicationToken });
    const bad = await fetch(`${emulator.url}/_emulator/limits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"rateLimit":{"burst":-1}}' });
    expect(bad.status).toBe(400);
  });
});
