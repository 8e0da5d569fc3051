import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { callRest, installForTokens, startCaptureServer } from './helpers.js';

type Item = Record<string, unknown>;

/** Smart-process types, their fields, user fields, users, tasks, timeline and robot FILTER, as the docs describe them. */
describe('Bitrix24 emulator: CRM data model', () => {
  let emulator: Bitrix24Emulator;
  let call: (method: string, params?: Record<string, unknown>) => ReturnType<typeof callRest>;
  beforeAll(async () => {
    emulator = await startBitrix24Emulator({ rateLimit: false });
  });
  beforeEach(async () => {
    emulator.reset();
    const { accessToken } = await installForTokens(emulator);
    call = (method, params = {}) => callRest(emulator.clientEndpoint, method, { ...params, auth: accessToken });
  });
  afterAll(async () => emulator.close());

  const itemOf = (answer: { body: Record<string, unknown> }) => (answer.body.result as { item: Item }).item;

  it('answers crm.type.add, crm.type.get and crm.type.list with the whole documented field set', async () => {
    const added = await call('crm.type.add', {
      fields: { title: 'Claim', entityTypeId: 1030, isClientEnabled: 'Y', relations: { parent: [{ entityTypeId: 2, isChildrenListEnabled: 'true' }] } },
    });
    const type = (added.body.result as { type: Item }).type;
    expect(type).toEqual({
      id: 1,
      createdBy: 1,
      entityTypeId: 1030,
      isCategoriesEnabled: 'N',
      isStagesEnabled: 'N',
      isBeginCloseDatesEnabled: 'N',
      isClientEnabled: 'Y',
      isUseInUserfieldEnabled: 'N',
      isLinkWithProductsEnabled: 'N',
      isMycompanyEnabled: 'N',
      isDocumentsEnabled: 'N',
      isSourceEnabled: 'N',
      isObserversEnabled: 'N',
      isRecyclebinEnabled: 'N',
      isAutomationEnabled: 'N',
      isBizProcEnabled: 'N',
      isSetOpenPermissions: 'Y',
      isPaymentsEnabled: 'N',
      isCountersEnabled: 'N',
      createdTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/),
      updatedTime: expect.any(String),
      updatedBy: 1,
      title: 'Claim',
      code: '',
      relations: {
        // isClientEnabled presets the binding to contacts and companies.
        parent: [
          { entityTypeId: 3, isChildrenListEnabled: 'Y', isPredefined: 'Y' },
          { entityTypeId: 4, isChildrenListEnabled: 'Y', isPredefined: 'Y' },
          { entityTypeId: 2, isChildrenListEnabled: 'Y', isPredefined: 'N' },
        ],
        child: [],
      },
      linkedUserFields: {},
      customSections: [],
      customSectionId: null,
    });
    expect((await call('crm.type.get', { id: 1 })).body.result).toEqual({ type });
    expect((await call('crm.type.list')).body.result).toEqual({ types: [type] });
  });

  it('ignores opportunity, currencyId and isManualOpportunity on a type without product linking, keeps them with it', async () => {
    await call('crm.type.add', { fields: { title: 'Totals', entityTypeId: 1030 } });
    await call('crm.type.add', { fields: { title: 'Priced', entityTypeId: 1032, isLinkWithProductsEnabled: 'Y' } });
    const amounts = { title: 'X', opportunity: 325, currencyId: 'EUR', isManualOpportunity: 'Y', nonsense: 1 };

    const plain = itemOf(await call('crm.item.add', { entityTypeId: 1030, fields: amounts }));
    expect(plain).toMatchObject({ title: 'X' });
    for (const field of ['opportunity', 'currencyId', 'isManualOpportunity', 'nonsense']) expect(plain).not.toHaveProperty(field);
    await call('crm.item.update', { entityTypeId: 1030, id: plain.id, fields: { opportunity: 1 } });
    expect(itemOf(await call('crm.item.get', { entityTypeId: 1030, id: plain.id }))).not.toHaveProperty('opportunity');

    const priced = itemOf(await call('crm.item.add', { entityTypeId: 1032, fields: amounts }));
    expect(priced).toMatchObject({ title: 'X', opportunity: 325, currencyId: 'EUR', isManualOpportunity: 'Y' });
    expect(priced).not.toHaveProperty('nonsense');
  });

  it('shows user fields created with userfieldconfig.add on items under their camelCase names, and only those', async () => {
    await call('crm.type.add', { fields: { title: 'Claim', entityTypeId: 1030 } });
    for (const [fieldName, userTypeId] of [
      ['UF_CRM_1_CLAIM_NUMBER', 'string'],
      ['UF_CRM_1_1747309727', 'string'],
      ['UF_CRM_1_DIGIT_10', 'string'],
      ['UF_CRM_1_TAGS', 'string'],
    ] as const) {
      const multiple = fieldName.endsWith('TAGS') ? 'Y' : 'N';
      expect((await call('userfieldconfig.add', { moduleId: 'crm', field: { entityId: 'CRM_1', fieldName, userTypeId, multiple } })).status).toBe(200);
    }
    const empty = itemOf(await call('crm.item.add', { entityTypeId: 1030, fields: { title: 'C', ufCrm1Unknown: 'dropped' } }));
    expect(empty).toMatchObject({ ufCrm1ClaimNumber: null, ufCrm1_1747309727: null, ufCrm_1_DIGIT_10: null, ufCrm1Tags: [] });
    expect(empty).not.toHaveProperty('ufCrm1Unknown');

    await call('crm.item.update', { entityTypeId: 1030, id: empty.id, fields: { ufCrm1ClaimNumber: 'CL-1', ufCrm_1_DIGIT_10: 'd' } });
    await call('crm.item.update', { entityTypeId: 1030, id: empty.id, fields: { UF_CRM_1_1747309727: 'by upper name' }, useOriginalUfNames: 'Y' });
    expect(itemOf(await call('crm.item.get', { entityTypeId: 1030, id: empty.id }))).toMatchObject({
      ufCrm1ClaimNumber: 'CL-1',
      ufCrm_1_DIGIT_10: 'd',
      ufCrm1_1747309727: 'by upper name',
    });
    expect(itemOf(await call('crm.item.get', { entityTypeId: 1030, id: empty.id, useOriginalUfNames: 'Y' }))).toMatchObject({
      UF_CRM_1_CLAIM_NUMBER: 'CL-1',
      UF_CRM_1_DIGIT_10: 'd',
    });
  });

  it('keeps a number user field a number when the write came as text inside a batch', async () => {
    await call('crm.type.add', { fields: { title: 'Invoice total', entityTypeId: 1032 } });
    await call('userfieldconfig.add', { moduleId: 'crm', field: { entityId: 'CRM_1', fieldName: 'UF_CRM_1_TOTAL', userTypeId: 'double' } });
    await call('userfieldconfig.add', { moduleId: 'crm', field: { entityId: 'CRM_1', fieldName: 'UF_CRM_1_COUNT', userTypeId: 'integer' } });
    await call('userfieldconfig.add', { moduleId: 'crm', field: { entityId: 'CRM_1', fieldName: 'UF_CRM_1_CODE', userTypeId: 'string' } });
    const item = itemOf(await call('crm.item.add', { entityTypeId: 1032, fields: { title: 'T' } }));
    const batch = await call('batch', {
      halt: 0,
      cmd: { c0: `crm.item.update?entityTypeId=1032&id=${String(item.id)}&fields[ufCrm1Total]=819.93&fields[ufCrm1Count]=7&fields[ufCrm1Code]=007` },
    });
    expect(batch.status).toBe(200);
    expect(itemOf(await call('crm.item.get', { entityTypeId: 1032, id: item.id }))).toMatchObject({ ufCrm1Total: 819.93, ufCrm1Count: 7, ufCrm1Code: '007' });
  });

  it('keeps deal user fields for crm.deal.* and crm.item.*, and ignores a deal field that does not exist', async () => {
    const deal = itemOf(await call('crm.item.add', { entityTypeId: 2, fields: { title: 'Deal' } }));
    expect((await call('crm.deal.update', { id: deal.id, fields: { UF_CRM_ERP_ORDER_ID: 'ERP-1' } })).body.result).toBe(true);
    expect(itemOf(await call('crm.item.get', { entityTypeId: 2, id: deal.id }))).not.toHaveProperty('ufCrmErpOrderId');
    expect((await call('crm.deal.get', { id: deal.id })).body.result).not.toHaveProperty('UF_CRM_ERP_ORDER_ID');

    await call('userfieldconfig.add', { moduleId: 'crm', field: { entityId: 'CRM_DEAL', fieldName: 'UF_CRM_ERP_ORDER_ID', userTypeId: 'string' } });
    await call('crm.deal.update', { id: deal.id, fields: { UF_CRM_ERP_ORDER_ID: 'ERP-2' } });
    expect((await call('crm.deal.get', { id: deal.id })).body.result).toMatchObject({ UF_CRM_ERP_ORDER_ID: 'ERP-2' });
    expect(itemOf(await call('crm.item.get', { entityTypeId: 2, id: deal.id }))).toMatchObject({ ufCrmErpOrderId: 'ERP-2' });
  });

  it('answers user.current with the documented keys', async () => {
    const user = (await call('user.current')).body.result as Item;
    expect(Object.keys(user).sort()).toEqual(
      [
        'ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'EMAIL', 'LAST_LOGIN', 'DATE_REGISTER', 'IS_ONLINE', 'LAST_ACTIVITY_DATE',
        'PERSONAL_GENDER', 'PERSONAL_BIRTHDAY', 'WORK_POSITION', 'UF_EMPLOYMENT_DATE', 'UF_DEPARTMENT',
      ].sort(),
    );
    expect(user).toMatchObject({ ID: '1', ACTIVE: true, UF_DEPARTMENT: [1] });
  });

  it('answers tasks.task.add with the documented task keys, without the unselected ufCrmTask', async () => {
    const answer = await call('tasks.task.add', { fields: { TITLE: 'Review', RESPONSIBLE_ID: 2, DEADLINE: '2026-12-31T23:59:59+03:00', UF_CRM_TASK: ['D_5'] } });
    const task = (answer.body.result as { task: Item }).task;
    expect(task).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      title: 'Review',
      responsibleId: '2',
      createdBy: '1',
      status: '2',
      deadline: '2026-12-31T23:59:59+03:00',
      groupId: '0',
      responsible: { id: '2', name: 'Quinn Quality' },
      auditors: [],
      accomplices: [],
    });
    expect(task).not.toHaveProperty('ufCrmTask');
    expect(emulator.state.tasks[0]).toMatchObject({ id: task.id, ufCrmTask: ['D_5'] });
  });

  it('answers crm.timeline.logmessage.list with the entries as `result`', async () => {
    const deal = emulator.state.addItem(2, { title: 'Timeline' });
    await call('crm.timeline.logmessage.add', { fields: { entityTypeId: 2, entityId: deal.id, title: 'T', text: 'first' } });
    await call('crm.timeline.logmessage.add', { fields: { entityTypeId: 2, entityId: deal.id, title: 'T', text: 'second' } });
    const listed = await call('crm.timeline.logmessage.list', { entityTypeId: 2, entityId: deal.id });
    expect(listed.body).toMatchObject({ result: [{ text: 'second' }, { text: 'first' }], total: 2 });
  });

  it('validates a robot FILTER and offers a deal-only robot on deals alone', async () => {
    const handler = await startCaptureServer();
    try {
      const robot = { CODE: 'deal_robot', HANDLER: handler.url, NAME: 'Deal robot', USE_SUBSCRIPTION: 'N' };
      expect(await call('bizproc.robot.add', { ...robot, FILTER: 'deals' })).toMatchObject({
        status: 400,
        body: { error: 'ERROR_ACTIVITY_VALIDATION_FAILURE', error_description: 'Wrong activity FILTER!' },
      });
      expect((await call('bizproc.robot.add', { ...robot, FILTER: { INCLUDE: [['crm', 'CCrmDocumentDeal']] } })).body.result).toBe(true);
      expect((await call('bizproc.robot.add', { ...robot, CODE: 'anywhere' })).body.result).toBe(true);

      expect(emulator.designerRobots(['crm', 'CCrmDocumentDeal', 'DEAL']).sort()).toEqual(['anywhere', 'deal_robot']);
      expect(emulator.designerRobots(['crm', 'CCrmDocumentLead', 'LEAD'])).toEqual(['anywhere']);

      // An empty FILTER on update clears it.
      await call('bizproc.robot.update', { CODE: 'deal_robot', FIELDS: { FILTER: '' } });
      expect(emulator.designerRobots(['crm', 'CCrmDocumentLead', 'LEAD']).sort()).toEqual(['anywhere', 'deal_robot']);
      expect((await call('bizproc.robot.update', { CODE: 'deal_robot', FIELDS: { FILTER: { INCLUDE: 'crm' } } })).body).toMatchObject({
        error_description: 'Wrong activity FILTER!',
      });
    } finally {
      await handler.close();
    }
  });
});
