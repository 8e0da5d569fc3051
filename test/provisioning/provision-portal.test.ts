import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUTH_CONNECTOR } from '../../contracts/bitrix24-app.js';
import { DEAL_DOCUMENT_TYPE, ROBOT_DECLARATIONS, type RobotDeclaration } from '../../contracts/robot-declarations.js';
import { SHIPMENT_LIST, SHIPMENT_PROPERTIES, SHIPMENT_PROPERTY_KEYS } from '../../contracts/shipment-list.js';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import {
  applyProvisioning,
  buildDeclaration,
  formatPlan,
  planProvisioning,
  provisionPortal,
  ProvisioningError,
  UPDATE_REASON,
  type ApplyProgress,
} from '../../provisioning/index.js';
import { connectToEmulator, PUBLIC_URL, type ProvisioningHarness } from './helpers.js';

const declaration = buildDeclaration({ publicUrl: PUBLIC_URL });
const robots = ROBOT_DECLARATIONS.filter((robot) => robot.kind === 'robot');
const activities = ROBOT_DECLARATIONS.filter((robot) => robot.kind === 'activity');
const CRUD = ['ADD', 'UPDATE', 'DELETE'];

describe('provisioning against the emulated portal', () => {
  let emulator: Bitrix24Emulator;
  let harness: ProvisioningHarness;
  const provision = (options: { dryRun?: boolean; reassert?: boolean; robots?: readonly RobotDeclaration[]; onProgress?: (p: ApplyProgress) => void } = {}) =>
    provisionPortal({
      bitrix24: harness.bitrix24,
      memberId: emulator.memberId,
      declaration: options.robots ? buildDeclaration({ publicUrl: PUBLIC_URL, robots: options.robots }) : declaration,
      settings: harness.store,
      ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }),
      ...(options.reassert === undefined ? {} : { reassert: options.reassert }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });

  beforeAll(async () => {
    emulator = await startBitrix24Emulator({ rateLimit: false });
  });
  beforeEach(async () => {
    emulator.reset();
    harness = await connectToEmulator(emulator);
  });
  afterEach(async () => harness.close());
  afterAll(async () => emulator.close());

  it('registers robots, activities, types, fields, events and placements on an empty portal', async () => {
    const progress: ApplyProgress[] = [];
    const result = await provision({ onProgress: (entry) => progress.push(entry) });

    expect([...emulator.state.robots.keys()].sort()).toEqual(robots.map((robot) => robot.code).sort());
    expect([...emulator.state.activities.keys()].sort()).toEqual(activities.map((robot) => robot.code).sort());
    for (const robot of ROBOT_DECLARATIONS) {
      const registered = (robot.kind === 'robot' ? emulator.state.robots : emulator.state.activities).get(robot.code);
      expect(registered).toMatchObject({
        HANDLER: `${PUBLIC_URL}/bitrix24/bizproc`,
        USE_SUBSCRIPTION: 'Y',
        AUTH_USER_ID: 1,
        NAME: robot.name,
        RETURN_PROPERTIES: Object.fromEntries(
          Object.entries(robot.returnProperties).map(([key, property]) => [key, { Name: property.name, Type: property.type }]),
        ),
      });
      for (const [key, property] of Object.entries(robot.properties)) {
        expect((registered?.PROPERTIES as Record<string, unknown>)[key]).toMatchObject({ Type: property.type, Required: property.required ? 'Y' : 'N' });
      }
      if (robot.documentType) expect(registered?.DOCUMENT_TYPE).toEqual(robot.documentType);
    }

    const claim = emulator.state.crmTypes.find((type) => type.title === 'Claim');
    const invoiceTotals = emulator.state.crmTypes.find((type) => type.title === 'Invoice totals');
    expect(claim).toBeDefined();
    expect(invoiceTotals?.relations).toEqual({ parent: [{ entityTypeId: 31, isChildrenListEnabled: 'Y', isPredefined: 'N' }], child: [] });
    expect(invoiceTotals?.isLinkWithProductsEnabled).toBe('N');
    expect(emulator.state.userFields.map((field) => [field.entityId, field.fieldName, field.userTypeId])).toEqual([
      [`CRM_${claim?.id}`, `UF_CRM_${claim?.id}_CLAIM_NUMBER`, 'string'],
      [`CRM_${claim?.id}`, `UF_CRM_${claim?.id}_QUALITY_TASK_ID`, 'integer'],
      [`CRM_${claim?.id}`, `UF_CRM_${claim?.id}_DEAL_ID`, 'integer'],
      [`CRM_${invoiceTotals?.id}`, `UF_CRM_${invoiceTotals?.id}_TOTAL`, 'double'],
      [`CRM_${invoiceTotals?.id}`, `UF_CRM_${invoiceTotals?.id}_CURRENCY`, 'string'],
      ['CRM_DEAL', 'UF_CRM_ERP_ORDER_ID', 'string'],
    ]);

    // The shipment list, created with lists.add, and one property per synced value, with numeric ids recorded.
    expect(emulator.state.lists).toEqual([expect.objectContaining({ IBLOCK_TYPE_ID: 'lists', CODE: SHIPMENT_LIST.iblockCode, NAME: SHIPMENT_LIST.name })]);
    const list = emulator.state.lists[0];
    const properties = emulator.state.listProperties.filter((property) => property.IBLOCK_ID === list?.ID);
    expect(properties.map((property) => [property.CODE, property.TYPE])).toEqual(
      SHIPMENT_PROPERTY_KEYS.map((key) => [SHIPMENT_PROPERTIES[key].code, SHIPMENT_PROPERTIES[key].type]),
    );
    const settings = await harness.store.settings(emulator.memberId);
    expect(settings.shipmentListIblockId).toBe(list?.ID);
    expect(settings.shipmentListPropertyIds).toEqual(
      Object.fromEntries(SHIPMENT_PROPERTY_KEYS.map((key) => [key, properties.find((property) => property.CODE === SHIPMENT_PROPERTIES[key].code)?.ID])),
    );

    // Deal robots are offered on deals only; activities anywhere.
    const dealRobots = robots.map((robot) => robot.code).sort();
    expect(emulator.designerRobots(DEAL_DOCUMENT_TYPE).sort()).toEqual(dealRobots);
    expect(emulator.designerRobots(['crm', 'CCrmDocumentLead', 'LEAD'])).toEqual([]);
    expect(emulator.designerRobots(['crm', 'Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic', 'DYNAMIC_1030'])).toEqual([]);

    // The emulator has no `events` method, so base events are bound once for Claim and smart invoices alike.
    const eventNames = [...CRUD.map((action) => `ONCRMDYNAMICITEM${action}`), ...CRUD.map((action) => `ONCRMDEAL${action}`)];
    const bindings = emulator.state.eventBindings.map((binding) => `${binding.event}|${binding.offline ? 'offline' : binding.handler}`);
    const lifecycle = ['ONAPPINSTALL', 'ONAPPUPDATE', 'ONAPPUNINSTALL'].map((name) => `${name}|${PUBLIC_URL}/bitrix24/install`);
    expect(bindings.sort()).toEqual(
      [
        ...eventNames.map((name) => `${name}|${PUBLIC_URL}/bitrix24/events`),
        ...eventNames.map((name) => `${name}|offline`),
        `ONOFFLINEEVENT|${PUBLIC_URL}/bitrix24/events`,
        ...lifecycle,
      ].sort(),
    );
    // The offline bindings carry our connector; the notice of new offline records comes at most once a second.
    expect(emulator.state.eventBindings.filter((binding) => binding.offline).every((binding) => binding.connectorId === 'b24-temporal')).toBe(true);
    expect(emulator.state.eventBindings.find((binding) => binding.event === 'ONOFFLINEEVENT')?.options).toEqual({ minTimeout: 1 });
    expect(emulator.state.placements.map((placement) => [placement.placement, placement.handler])).toEqual([
      [`CRM_DYNAMIC_${claim?.entityTypeId}_DETAIL_TAB`, `${PUBLIC_URL}/bitrix24/placements/runs`],
      ['CRM_DEAL_DETAIL_TAB', `${PUBLIC_URL}/bitrix24/placements/runs`],
    ]);

    expect(await harness.store.settings(emulator.memberId)).toMatchObject({
      claimEntityTypeId: claim?.entityTypeId,
      claimTypeId: claim?.id,
      invoiceTotalEntityTypeId: invoiceTotals?.entityTypeId,
      invoiceTotalTypeId: invoiceTotals?.id,
    });
    const total = result.plan.add.length;
    expect(progress.filter((entry) => entry.status === 'done').map((entry) => entry.step)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(progress.some((entry) => entry.label.includes('{'))).toBe(false);
  });

  it('binds the offline events with our connector only where the plan has rest_auth_connector, and records which', async () => {
    const offlineConnectors = () => [...new Set(emulator.state.eventBindings.filter((binding) => binding.offline).map((binding) => binding.connectorId))];
    emulator.setFeature('rest_auth_connector', false);
    await provision();
    expect(offlineConnectors()).toEqual(['']);
    expect((await harness.store.settings(emulator.memberId)).authConnector).toBe(false);
    expect(emulator.calls.filter((call) => call.error === 'WRONG_LICENSE')).toEqual([]);

    // The plan is upgraded: the next run replaces the bindings, unbinding the old ones without a connector.
    emulator.setFeature('rest_auth_connector', true);
    await provision();
    expect(offlineConnectors()).toEqual([AUTH_CONNECTOR]);
    expect((await harness.store.settings(emulator.memberId)).authConnector).toBe(true);

    // Downgraded again: bindings with a connector cannot be unbound without the feature; new ones come beside them.
    emulator.setFeature('rest_auth_connector', false);
    await provision();
    expect(offlineConnectors().sort()).toEqual(['', AUTH_CONNECTOR]);
    expect((await harness.store.settings(emulator.memberId)).authConnector).toBe(false);
    expect(emulator.calls.filter((call) => call.error === 'WRONG_LICENSE')).toEqual([]);
  });

  it('writes nothing on a second apply', async () => {
    await provision();
    const before = emulator.calls.length;
    const second = await provision();
    expect(second.plan).toMatchObject({ add: [], update: [], remove: [] });
    expect(emulator.calls.length).toBeGreaterThan(before);
    expect(harness.writesSince(before)).toEqual([]);
  });

  it('restores robots, activities and event handlers after an app update deleted them', async () => {
    await provision();
    await emulator.updateApp();
    expect(emulator.state.robots.size + emulator.state.activities.size + emulator.state.eventBindings.length).toBe(0);

    const again = await provision();
    expect(again.plan.add.map((entry) => entry.resource.kind).sort()).toEqual(
      [...ROBOT_DECLARATIONS.map((robot) => robot.kind), ...Array<string>(16).fill('event')].sort(),
    );
    expect(again.plan.update).toEqual([]);
    expect(emulator.state.robots.size).toBe(robots.length);
    expect(emulator.state.activities.size).toBe(activities.length);
    expect(emulator.state.eventBindings).toHaveLength(16);
    expect(emulator.state.crmTypes).toHaveLength(2);
  });

  it('updates a robot whose declaration changed, naming the fields that differ', async () => {
    await provision();
    const [first, ...rest] = ROBOT_DECLARATIONS;
    if (!first) throw new Error('no robot declarations');
    const changed: RobotDeclaration = {
      ...first,
      properties: { ...first.properties, note: { name: { en: 'Note' }, type: 'text' } },
    };
    const result = await provision({ robots: [changed, ...rest] });
    expect(result.plan.add).toEqual([]);
    expect(result.plan.update.map((entry) => [entry.resource.kind === first.kind && 'code' in entry.resource && entry.resource.code, entry.differences, entry.reason])).toEqual([
      [first.code, ['PROPERTIES'], UPDATE_REASON.declarationChanged],
    ]);
    const registry = first.kind === 'robot' ? emulator.state.robots : emulator.state.activities;
    expect(registry.get(first.code)?.PROPERTIES).toMatchObject({ note: { Name: { en: 'Note' }, Type: 'text' } });
  });

  it('undoes a robot property changed by hand when reasserting; placements changed by hand are seen and fixed', async () => {
    await provision();
    const robot = robots[0];
    if (!robot) throw new Error('no robot declaration');
    const handEdit = await harness.byHand('bizproc.robot.update', {
      CODE: robot.code,
      FIELDS: { PROPERTIES: { hacked: { Name: { en: 'Changed by hand' }, Type: 'string' } }, USE_SUBSCRIPTION: 'N' },
    });
    expect(handEdit.status).toBe(200);
    await harness.byHand('placement.unbind', { PLACEMENT: 'CRM_DEAL_DETAIL_TAB' });
    await harness.byHand('placement.bind', { PLACEMENT: 'CRM_DEAL_DETAIL_TAB', HANDLER: `${PUBLIC_URL}/bitrix24/placements/runs`, TITLE: 'Renamed' });

    // bizproc.robot.list returns codes only: a hand edit of a robot cannot be seen, a placement's title can.
    const plain = await provision({ dryRun: true });
    expect(plain.plan.update.map((entry) => [entry.resource.kind, entry.differences, entry.reason])).toEqual([
      ['placement', ['title', 'description'], UPDATE_REASON.drift],
    ]);

    const reasserted = await provision({ reassert: true });
    expect(reasserted.plan.update.filter((entry) => entry.reason === UPDATE_REASON.reassert)).toHaveLength(ROBOT_DECLARATIONS.length);
    expect(emulator.state.robots.get(robot.code)).toMatchObject({ USE_SUBSCRIPTION: 'Y' });
    expect(emulator.state.robots.get(robot.code)?.PROPERTIES).not.toHaveProperty('hacked');
    expect(emulator.state.placements.find((placement) => placement.placement === 'CRM_DEAL_DETAIL_TAB')?.title).toBe('Workflow runs');
    expect((await provision()).plan).toMatchObject({ add: [], update: [], remove: [] });
  });

  it('dry run plans everything and writes nothing, showing ids of types still to be created as placeholders', async () => {
    const before = emulator.calls.length;
    const result = await provision({ dryRun: true });
    expect(harness.writesSince(before)).toEqual([]);
    expect(result.summary).toBeUndefined();
    expect(emulator.state.crmTypes).toEqual([]);
    expect(await harness.store.settings(emulator.memberId)).toEqual({});
    const text = formatPlan(result.plan);
    expect(text).toContain('+ smart process "Claim"');
    expect(text).toContain('+ field UF_CRM_{claim.id}_CLAIM_NUMBER (CRM_{claim.id}, string)');
    expect(text).toContain(`+ placement CRM_DYNAMIC_{claim}_DETAIL_TAB → ${PUBLIC_URL}/bitrix24/placements/runs`);
    // Types, their 5 fields, the ERP deal field, robots, 12 bindings, the offline-queue notice, 3 app lifecycle bindings, 2 placements, the list and its 6 fields.
    expect(result.plan.add).toHaveLength(2 + 5 + 1 + ROBOT_DECLARATIONS.length + 12 + 1 + 3 + 2 + 1 + 6);
    expect(text).toContain(`+ list "${SHIPMENT_LIST.name}" (lists, code ${SHIPMENT_LIST.iblockCode})`);
    expect(text).toContain(`+ list field DEAL_ID (N) in list code ${SHIPMENT_LIST.iblockCode}`);
    expect(text).toContain('+ field UF_CRM_ERP_ORDER_ID (CRM_DEAL, string)');
  });

  it('removes only what it owns and reports the rest', async () => {
    await provision();
    const foreignHandler = 'https://elsewhere.example/hook';
    await harness.byHand('event.bind', { event: 'ONCRMLEADADD', handler: foreignHandler });
    await harness.byHand('event.bind', { event: 'ONCRMLEADADD', handler: `${PUBLIC_URL}/bitrix24/events` });
    await harness.byHand('bizproc.robot.add', { CODE: 'someone_elses', HANDLER: foreignHandler, NAME: 'Theirs', USE_SUBSCRIPTION: 'N' });
    const [first, ...rest] = ROBOT_DECLARATIONS;
    if (!first) throw new Error('no robot declarations');

    const result = await provision({ robots: rest });
    expect(result.plan.remove.map((entry) => entry.resource)).toEqual([
      { kind: first.kind, code: first.code },
      { kind: 'event', binding: { event: 'ONCRMLEADADD', handler: `${PUBLIC_URL}/bitrix24/events`, offline: false, authType: 0 } },
    ]);
    expect(result.plan.notes).toContain('robot someone_elses is registered but neither declared nor recorded as ours: left as is');
    expect(emulator.state.eventBindings.some((binding) => binding.handler === foreignHandler)).toBe(true);
    expect(emulator.state.robots.has('someone_elses')).toBe(true);
    expect((first.kind === 'robot' ? emulator.state.robots : emulator.state.activities).has(first.code)).toBe(false);
  });

  it('uses a list that exists with our code, adds only its missing fields, and records their ids', async () => {
    const list = emulator.state.addList({ code: SHIPMENT_LIST.iblockCode, name: 'Made by hand' });
    const deal = emulator.state.addListField(list.ID, { NAME: 'Deal', TYPE: 'N', CODE: 'DEAL_ID' });
    await provision();
    expect(emulator.state.lists).toHaveLength(1);
    const properties = emulator.state.listProperties.filter((property) => property.IBLOCK_ID === list.ID);
    expect(properties.map((property) => property.CODE)).toEqual(SHIPMENT_PROPERTY_KEYS.map((key) => SHIPMENT_PROPERTIES[key].code));
    const settings = await harness.store.settings(emulator.memberId);
    expect(settings).toMatchObject({ shipmentListIblockId: list.ID, shipmentListPropertyIds: { dealId: Number(deal.slice('PROPERTY_'.length)) } });
  });

  it('uses a configured list (SHIPMENT_LIST_IBLOCK_ID) and never creates one when it is missing', async () => {
    const configured = emulator.state.addList({ code: 'their_list', name: 'Configured' });
    const withList = buildDeclaration({ publicUrl: PUBLIC_URL, shipmentListIblockId: configured.ID });
    const run = (declarationToUse: typeof withList) => provisionPortal({ bitrix24: harness.bitrix24, memberId: emulator.memberId, declaration: declarationToUse, settings: harness.store });
    await run(withList);
    expect(emulator.state.lists.map((list) => list.CODE)).toEqual(['their_list']);
    expect(emulator.state.listProperties.filter((property) => property.IBLOCK_ID === configured.ID)).toHaveLength(6);
    expect(await harness.store.settings(emulator.memberId)).toMatchObject({ shipmentListIblockId: configured.ID });

    const missing = await run(buildDeclaration({ publicUrl: PUBLIC_URL, shipmentListIblockId: 9999 }));
    expect(missing.plan.notes).toContain('the configured shipment list (SHIPMENT_LIST_IBLOCK_ID 9999) does not exist in the portal: deal products are not synced');
    expect(emulator.state.lists).toHaveLength(1);
  });

  it('treats ERROR_ACTIVITY_ALREADY_INSTALLED on add as an update', async () => {
    const robot = robots[0];
    if (!robot) throw new Error('no robot declaration');
    const input = { bitrix24: harness.bitrix24, memberId: emulator.memberId, declaration, settings: harness.store };
    const planned = await planProvisioning(input);
    await harness.byHand('bizproc.robot.add', { CODE: robot.code, HANDLER: 'https://elsewhere.example/x', NAME: 'Early bird' });
    const before = emulator.calls.length;
    await applyProvisioning(planned, input);
    const robotCalls = emulator.calls.slice(before).filter((call) => call.params.CODE === robot.code).map((call) => [call.method, call.error ?? 'ok']);
    expect(robotCalls).toEqual([
      ['bizproc.robot.add', 'ERROR_ACTIVITY_ALREADY_INSTALLED'],
      ['bizproc.robot.update', 'ok'],
    ]);
    expect(emulator.state.robots.get(robot.code)).toMatchObject({ HANDLER: `${PUBLIC_URL}/bitrix24/bizproc`, NAME: robot.name });
  });

  it('stops at a failing step with the Bitrix24 error and keeps the record of what was done', async () => {
    emulator.injectFailure({ method: 'placement.bind', times: 1, status: 400, error: 'ERROR_WRONG_HANDLER_URL', description: 'Wrong handler URL' });
    const failure = await provision().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProvisioningError);
    expect(failure).toMatchObject({ code: 'ERROR_WRONG_HANDLER_URL' });
    expect((failure as Error).message).toMatch(/^provisioning failed at add placement CRM_DYNAMIC_\d+_DETAIL_TAB .*ERROR_WRONG_HANDLER_URL/);

    const retry = await provision();
    expect(retry.plan.add.map((entry) => entry.resource.kind)).toEqual(['placement', 'placement', 'list', ...Array<string>(6).fill('listField')]);
    expect(retry.plan.update).toEqual([]);
  });
});
