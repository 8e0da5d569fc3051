import { describe, expect, it } from 'vitest';
import { AUTH_CONNECTOR } from '../../contracts/bitrix24-app.js';
import { ROBOT_DECLARATIONS } from '../../contracts/robot-declarations.js';
import { fieldHashes } from '../../provisioning/definition-hash.js';
import { definitionKey, diffPortal } from '../../provisioning/diff.js';
import { buildDeclaration, UPDATE_REASON, type PortalState, type ProvisioningRecord, type Resource } from '../../provisioning/index.js';
import type { EventBinding } from '../../provisioning/portal-state.js';

const PUBLIC_URL = 'https://app.example.com';
const EVENTS = `${PUBLIC_URL}/bitrix24/events`;
const PLACEMENTS = `${PUBLIC_URL}/bitrix24/placements/runs`;
const declaration = buildDeclaration({ publicUrl: `${PUBLIC_URL}/` });

function emptyState(overrides: Partial<PortalState> = {}): PortalState {
  return {
    robots: [],
    activities: [],
    eventBindings: [],
    placements: [],
    crmTypes: [],
    userFields: [],
    availableEvents: null,
    shipmentList: null,
    dealUserFields: [],
    authConnector: true,
    ...overrides,
  };
}

const erpField = { entityId: 'CRM_DEAL', fieldName: 'UF_CRM_ERP_ORDER_ID', userTypeId: 'string', multiple: 'N', mandatory: 'N' };
const listFields = [
  ['DEAL_ID', 'N'], ['ROW_ID', 'N'], ['PRODUCT_ID', 'N'], ['QUANTITY', 'N'], ['PRICE', 'N'], ['MEASURE', 'S'],
].map(([code, type], index) => ({ fieldId: `PROPERTY_${201 + index}`, id: 201 + index, code: code as string, type: type as string }));
const shipmentList = { id: 48, code: 'b24_temporal_shipments', name: 'Shipments (deal products)', fields: listFields };
/** What provisioning added besides smart processes, robots, events and placements, already in the portal. */
const provisionedExtras = { shipmentList, dealUserFields: [erpField] };

const claimType = { id: 7, entityTypeId: 1038, title: 'Claim' };
const totalsType = { id: 8, entityTypeId: 1040, title: 'Invoice totals' };
const allFields = [
  { entityId: 'CRM_7', fieldName: 'UF_CRM_7_CLAIM_NUMBER', userTypeId: 'string', multiple: 'N', mandatory: 'N' },
  { entityId: 'CRM_7', fieldName: 'UF_CRM_7_QUALITY_TASK_ID', userTypeId: 'integer', multiple: 'N', mandatory: 'N' },
  { entityId: 'CRM_7', fieldName: 'UF_CRM_7_DEAL_ID', userTypeId: 'integer', multiple: 'N', mandatory: 'N' },
  { entityId: 'CRM_8', fieldName: 'UF_CRM_8_TOTAL', userTypeId: 'double', multiple: 'N', mandatory: 'N' },
  { entityId: 'CRM_8', fieldName: 'UF_CRM_8_CURRENCY', userTypeId: 'string', multiple: 'N', mandatory: 'N' },
];
const recordedAll: ProvisioningRecord = {
  definitions: Object.fromEntries(declaration.bizproc.map((entry) => [definitionKey(entry.kind, entry.code), fieldHashes(entry.fields)])),
  entityTypeIds: {},
};

function online(event: string): EventBinding {
  return { event, handler: EVENTS, offline: false, authType: 0 };
}

function lifecycle(event: string): EventBinding {
  return { event, handler: `${PUBLIC_URL}/bitrix24/install`, offline: false, authType: 0 };
}

function offline(event: string, connector = AUTH_CONNECTOR): EventBinding {
  return { event, handler: '', offline: true, authType: 0, connector };
}

function labels(bindings: { resource: { kind: string } & Record<string, unknown> }[]): string[] {
  return bindings.map(({ resource }) => {
    if (resource.kind === 'event') {
      const binding = resource.binding as EventBinding;
      return `${binding.event}${binding.offline ? ' offline' : ''}`;
    }
    if (resource.kind === 'placement') return (resource.binding as { placement: string }).placement;
    if (resource.kind === 'userField') return (resource.field as { fieldName: string }).fieldName;
    if (resource.kind === 'list') return `list ${(resource.params as { IBLOCK_CODE: string }).IBLOCK_CODE}`;
    if (resource.kind === 'listField') return `listField ${(resource.params as { FIELDS: { CODE: string } }).FIELDS.CODE}`;
    return `${resource.kind} ${String(resource.code ?? resource.key)}`;
  });
}

describe('diffPortal', () => {
  it('adds everything to an empty portal, with placeholders for the ids of types it will create', () => {
    const plan = diffPortal(declaration, emptyState(), { definitions: {}, entityTypeIds: {} });
    expect(plan.update).toEqual([]);
    expect(plan.remove).toEqual([]);
    const added = labels(plan.add);
    expect(added.slice(0, 7)).toEqual([
      'smartProcess claim',
      'UF_CRM_{claim.id}_CLAIM_NUMBER',
      'UF_CRM_{claim.id}_QUALITY_TASK_ID',
      'UF_CRM_{claim.id}_DEAL_ID',
      'smartProcess invoiceTotal',
      'UF_CRM_{invoiceTotal.id}_TOTAL',
      'UF_CRM_{invoiceTotal.id}_CURRENCY',
    ]);
    expect(added).toEqual(expect.arrayContaining([...ROBOT_DECLARATIONS.map((robot) => `${robot.kind} ${robot.code}`), 'CRM_DYNAMIC_{claim}_DETAIL_TAB', 'CRM_DEAL_DETAIL_TAB']));
    // Without the `events` method: one base binding per event, online and offline.
    expect(added.filter((label) => label.startsWith('ONCRM'))).toEqual([
      'ONCRMDYNAMICITEMADD', 'ONCRMDYNAMICITEMUPDATE', 'ONCRMDYNAMICITEMDELETE', 'ONCRMDEALADD', 'ONCRMDEALUPDATE', 'ONCRMDEALDELETE',
      'ONCRMDYNAMICITEMADD offline', 'ONCRMDYNAMICITEMUPDATE offline', 'ONCRMDYNAMICITEMDELETE offline',
      'ONCRMDEALADD offline', 'ONCRMDEALUPDATE offline', 'ONCRMDEALDELETE offline',
    ]);
    // The lifecycle events go to the install handler, online only: ONAPPUPDATE re-provisions, ONAPPUNINSTALL forgets.
    expect(plan.add.filter((entry) => labels([entry])[0]?.startsWith('ONAPP')).map((entry) => entry.resource)).toEqual(
      ['ONAPPINSTALL', 'ONAPPUPDATE', 'ONAPPUNINSTALL'].map((event) => ({ kind: 'event', binding: lifecycle(event) })),
    );
    expect(plan.add.find((entry) => entry.resource.kind === 'smartProcess')?.resource).toMatchObject({
      fields: { title: 'Claim', relations: { parent: [{ entityTypeId: 2, isChildrenListEnabled: 'true' }] } },
    });
    expect(added).toContain('UF_CRM_ERP_ORDER_ID');
    // The shipment list is created, then its fields, addressed by the list's code (its id is not known yet).
    expect(added.slice(-7)).toEqual([
      'list b24_temporal_shipments',
      'listField DEAL_ID', 'listField ROW_ID', 'listField PRODUCT_ID', 'listField QUANTITY', 'listField PRICE', 'listField MEASURE',
    ]);
    expect(plan.add.at(-1)?.resource).toMatchObject({
      kind: 'listField',
      key: 'measure',
      params: { IBLOCK_TYPE_ID: 'lists', IBLOCK_CODE: 'b24_temporal_shipments', FIELDS: { CODE: 'MEASURE', TYPE: 'S', NAME: 'Unit' } },
    });
  });

  it('adds only the fields a found list lacks, by its id, and reports a field of another type', () => {
    const lacking = { ...shipmentList, fields: [{ ...listFields[0]!, type: 'S' }, ...listFields.slice(1, 4)] };
    const plan = diffPortal(declaration, emptyState({ shipmentList: lacking, dealUserFields: [erpField] }), recordedAll);
    const listAdds = plan.add.filter((entry) => entry.resource.kind === 'list' || entry.resource.kind === 'listField');
    expect(labels(listAdds)).toEqual(['listField PRICE', 'listField MEASURE']);
    expect(listAdds[0]?.resource).toMatchObject({ params: { IBLOCK_ID: 48 } });
    expect(listAdds[0]?.resource).not.toHaveProperty('params.IBLOCK_CODE');
    expect(plan.notes).toContain('list field DEAL_ID has type S, not N: left as is');
  });

  it('never creates a configured list that is missing, and says why deal products will not sync', () => {
    const configured = buildDeclaration({ publicUrl: PUBLIC_URL, shipmentListIblockId: 77 });
    const plan = diffPortal(configured, emptyState({ dealUserFields: [erpField] }), recordedAll);
    expect(plan.add.filter((entry) => entry.resource.kind === 'list' || entry.resource.kind === 'listField')).toEqual([]);
    expect(plan.notes).toContain('the configured shipment list (SHIPMENT_LIST_IBLOCK_ID 77) does not exist in the portal: deal products are not synced');

    const unavailable = diffPortal(declaration, emptyState({ listsUnavailable: 'ACCESS_DENIED' }), recordedAll);
    expect(unavailable.add.filter((entry) => entry.resource.kind === 'list')).toEqual([]);
    expect(unavailable.notes).toContain('lists are not available to the app (ACCESS_DENIED): the shipment list cannot be provisioned, deal products are not synced');
  });

  it('creates the ERP order field on deals unless it exists, with the configured name', () => {
    const named = buildDeclaration({ publicUrl: PUBLIC_URL, erpOrderField: 'UF_CRM_ORDER_NO' });
    const plan = diffPortal(named, emptyState({ crmTypes: [claimType, totalsType], userFields: allFields, shipmentList, dealUserFields: [erpField] }), recordedAll);
    expect(plan.add.filter((entry) => entry.resource.kind === 'userField').map((entry) => entry.resource)).toEqual([
      expect.objectContaining({
        field: expect.objectContaining({ entityId: 'CRM_DEAL', fieldName: 'UF_CRM_ORDER_NO', userTypeId: 'string', multiple: 'N' }),
      }),
    ]);
    const retyped = diffPortal(declaration, emptyState({ shipmentList, dealUserFields: [{ ...erpField, userTypeId: 'integer' }] }), recordedAll);
    expect(labels(retyped.add)).not.toContain('UF_CRM_ERP_ORDER_ID');
    expect(retyped.notes).toContain('deal field UF_CRM_ERP_ORDER_ID differs in userTypeId: left as is');
  });

  it('registers deal robots with FILTER for deals only, and re-registers robots recorded before FILTER existed', () => {
    const dealRobots = ROBOT_DECLARATIONS.filter((robot) => robot.kind === 'robot');
    for (const robot of dealRobots) {
      expect(declaration.bizproc.find((entry) => entry.code === robot.code)?.fields.FILTER).toEqual({ INCLUDE: [['crm', 'CCrmDocumentDeal']] });
    }
    for (const activity of ROBOT_DECLARATIONS.filter((robot) => robot.kind === 'activity')) {
      expect(declaration.bizproc.find((entry) => entry.code === activity.code)?.fields).not.toHaveProperty('FILTER');
    }
    // What an earlier version recorded: the same definitions without FILTER.
    const beforeFilter: ProvisioningRecord = {
      ...recordedAll,
      definitions: Object.fromEntries(
        declaration.bizproc.map((entry) => {
          const { FILTER: _filter, ...fields } = entry.fields;
          return [definitionKey(entry.kind, entry.code), fieldHashes(fields)];
        }),
      ),
    };
    const present = emptyState({
      ...provisionedExtras,
      robots: dealRobots.map((robot) => robot.code),
      activities: ROBOT_DECLARATIONS.filter((robot) => robot.kind === 'activity').map((robot) => robot.code),
    });
    const plan = diffPortal({ ...declaration, smartProcesses: [], events: [], placements: [] }, present, beforeFilter);
    expect(plan.update.map((entry) => [labels([entry])[0], entry.differences, entry.reason])).toEqual(
      dealRobots.map((robot) => [`robot ${robot.code}`, ['FILTER'], UPDATE_REASON.declarationChanged]),
    );
  });

  it('binds suffixed events when `events` lists them for every type, else the base event once', () => {
    const suffixed = ['ADD', 'UPDATE', 'DELETE'].flatMap((action) => [`ONCRMDYNAMICITEM${action}_1038`, `ONCRMDYNAMICITEM${action}_31`]);
    const both = diffPortal(declaration, emptyState({ crmTypes: [claimType, totalsType], availableEvents: suffixed }), recordedAll);
    expect(labels(both.add).filter((label) => label.startsWith('ONCRMDYNAMICITEMADD'))).toEqual([
      'ONCRMDYNAMICITEMADD_1038', 'ONCRMDYNAMICITEMADD_31', 'ONCRMDYNAMICITEMADD_1038 offline', 'ONCRMDYNAMICITEMADD_31 offline',
    ]);

    const onlyInvoices = suffixed.filter((name) => name.endsWith('_31'));
    const partial = diffPortal(declaration, emptyState({ crmTypes: [claimType, totalsType], availableEvents: onlyInvoices }), recordedAll);
    expect(labels(partial.add).filter((label) => label.startsWith('ONCRMDYNAMICITEMADD'))).toEqual(['ONCRMDYNAMICITEMADD', 'ONCRMDYNAMICITEMADD offline']);

    // A Claim type still to be created gets its suffixed events when the portal offers suffixes at all.
    const pending = diffPortal(declaration, emptyState({ availableEvents: onlyInvoices }), recordedAll);
    expect(labels(pending.add).filter((label) => label.startsWith('ONCRMDYNAMICITEMADD') && !label.endsWith('offline'))).toEqual([
      'ONCRMDYNAMICITEMADD_{claim}', 'ONCRMDYNAMICITEMADD_31',
    ]);
  });

  it('compares robots with the recorded definitions: unchanged → nothing, changed → the fields, unrecorded → all', () => {
    const present = emptyState({
      robots: ROBOT_DECLARATIONS.filter((robot) => robot.kind === 'robot').map((robot) => robot.code),
      activities: ROBOT_DECLARATIONS.filter((robot) => robot.kind === 'activity').map((robot) => robot.code),
      ...provisionedExtras,
    });
    const bizprocOnly = { ...declaration, smartProcesses: [], events: [], appEvents: [], placements: [] };
    expect(diffPortal(bizprocOnly, present, recordedAll)).toEqual({ add: [], update: [], remove: [], notes: [] });

    const [first] = declaration.bizproc;
    if (!first) throw new Error('no declarations');
    const key = definitionKey(first.kind, first.code);
    const stale = { ...recordedAll, definitions: { ...recordedAll.definitions, [key]: { ...recordedAll.definitions[key], NAME: 'old', FILTER: 'x' } } };
    expect(diffPortal(bizprocOnly, present, stale).update).toEqual([
      { resource: { kind: first.kind, code: first.code, fields: first.fields }, differences: ['FILTER', 'NAME'], reason: UPDATE_REASON.declarationChanged },
    ]);

    const { [key]: _forgotten, ...rest } = recordedAll.definitions;
    expect(diffPortal(bizprocOnly, present, { ...recordedAll, definitions: rest }).update).toMatchObject([
      { resource: { code: first.code }, differences: ['*'], reason: UPDATE_REASON.unrecorded },
    ]);
    expect(diffPortal(bizprocOnly, present, recordedAll, { reassert: true }).update).toHaveLength(declaration.bizproc.length);
  });

  it('finds our types by recorded id even when renamed, by configured id, and never changes types or fields', () => {
    const renamed = { ...claimType, title: 'Complaints', isStagesEnabled: 'N' };
    const state = emptyState({
      ...provisionedExtras,
      crmTypes: [renamed, totalsType],
      userFields: [{ ...allFields[0]!, userTypeId: 'integer' }, ...allFields.slice(1)],
    });
    const plan = diffPortal(declaration, state, { ...recordedAll, entityTypeIds: { claim: 1038 } });
    expect(labels(plan.add).filter((label) => label.startsWith('smartProcess') || label.startsWith('UF_') || label.startsWith('CRM_'))).toEqual([
      'CRM_DYNAMIC_1038_DETAIL_TAB',
      'CRM_DEAL_DETAIL_TAB',
    ]);
    expect(plan.notes).toEqual([
      'smart process "Claim" (entityTypeId 1038) differs in isStagesEnabled: left as is',
      'field UF_CRM_7_CLAIM_NUMBER differs in userTypeId: left as is',
    ]);

    const configured = buildDeclaration({ publicUrl: PUBLIC_URL, claimEntityTypeId: 1100 });
    const fresh = diffPortal(configured, emptyState({ crmTypes: [claimType] }), recordedAll);
    expect(fresh.add[0]?.resource).toMatchObject({ kind: 'smartProcess', fields: { title: 'Claim', entityTypeId: 1100 } });
  });

  it('rebinds drifted bindings and removes only owned ones that are no longer declared', () => {
    const names = ['ONCRMDYNAMICITEMADD', 'ONCRMDYNAMICITEMUPDATE', 'ONCRMDYNAMICITEMDELETE', 'ONCRMDEALADD', 'ONCRMDEALUPDATE', 'ONCRMDEALDELETE'];
    const state = emptyState({
      ...provisionedExtras,
      crmTypes: [claimType, totalsType],
      userFields: allFields,
      eventBindings: [
        ...names.map(online).map((binding) => (binding.event === 'ONCRMDEALADD' ? { ...binding, authType: 5 } : binding)),
        ...names.map((name) => offline(name)),
        ...['ONAPPINSTALL', 'ONAPPUPDATE', 'ONAPPUNINSTALL'].map(lifecycle),
        online('ONOFFLINEEVENT'),
        offline('ONCRMLEADADD'),
        online('ONCRMLEADUPDATE'),
        { event: 'ONCRMLEADDELETE', handler: 'https://other.example/hook', offline: false, authType: 0 },
      ],
      placements: [
        { placement: 'CRM_DYNAMIC_1038_DETAIL_TAB', handler: PLACEMENTS, title: 'Workflow runs', description: 'Durable workflow runs of this claim' },
        { placement: 'CRM_DEAL_DETAIL_TAB', handler: PLACEMENTS, title: 'Old', description: 'Durable workflow runs of this deal' },
        { placement: 'CRM_LEAD_DETAIL_TAB', handler: PLACEMENTS, title: 'Gone', description: '' },
        { placement: 'CRM_LEAD_DETAIL_TAB', handler: 'https://other.example/tab', title: 'Theirs', description: '' },
      ],
    });
    const plan = diffPortal({ ...declaration, bizproc: [] }, state, recordedAll);
    expect(plan.add).toEqual([]);
    expect(plan.update.map((entry) => [labels([entry])[0], entry.differences, entry.previous])).toEqual([
      ['ONCRMDEALADD', ['auth_type'], { kind: 'event', binding: { ...online('ONCRMDEALADD'), authType: 5 } }],
      ['CRM_DEAL_DETAIL_TAB', ['title'], { kind: 'placement', binding: state.placements[1] }],
    ]);
    expect(labels(plan.remove)).toEqual(['ONCRMLEADADD offline', 'ONCRMLEADUPDATE', 'CRM_LEAD_DETAIL_TAB']);
    expect(plan.remove.at(-1)?.resource).toMatchObject({ binding: { handler: PLACEMENTS } });
  });
  describe('offline bindings and the plan\'s rest_auth_connector feature', () => {
    const names = ['ONCRMDYNAMICITEMADD', 'ONCRMDYNAMICITEMUPDATE', 'ONCRMDYNAMICITEMDELETE', 'ONCRMDEALADD', 'ONCRMDEALUPDATE', 'ONCRMDEALDELETE'];
    const bound = (offlineBindings: EventBinding[]) => [
      ...names.map(online),
      ...offlineBindings,
      ...['ONAPPINSTALL', 'ONAPPUPDATE', 'ONAPPUNINSTALL'].map(lifecycle),
      online('ONOFFLINEEVENT'),
    ];
    const base = { ...provisionedExtras, crmTypes: [claimType, totalsType], userFields: allFields };
    const eventBindings = (entries: { resource: Resource }[]) => entries.flatMap((entry) => (entry.resource.kind === 'event' ? [entry.resource.binding] : []));

    it('binds offline events with the connector where the plan has it, and without one where it does not', () => {
      const withFeature = diffPortal({ ...declaration, bizproc: [] }, emptyState({ ...base, authConnector: true }), recordedAll);
      const without = diffPortal({ ...declaration, bizproc: [] }, emptyState({ ...base, authConnector: false }), recordedAll);
      const offlineConnectors = (plan: typeof withFeature) => eventBindings(plan.add).flatMap((binding) => (binding.offline ? [binding.connector] : []));
      expect(offlineConnectors(withFeature)).toEqual(names.map(() => AUTH_CONNECTOR));
      expect(offlineConnectors(without)).toEqual(names.map(() => ''));
    });

    it('rebinds offline events made without a connector once the plan has the feature', () => {
      const plan = diffPortal({ ...declaration, bizproc: [] }, emptyState({ ...base, eventBindings: bound(names.map((name) => offline(name, ''))) }), recordedAll);
      expect(eventBindings(plan.add)).toEqual(names.map((name) => offline(name)));
      expect(eventBindings(plan.remove)).toEqual(names.map((name) => offline(name, '')));
    });

    it('on a plan without the feature, adds connector-less bindings and leaves the ones it could not unbind', () => {
      const state = emptyState({ ...base, authConnector: false, eventBindings: bound(names.map((name) => offline(name))) });
      const plan = diffPortal({ ...declaration, bizproc: [] }, state, recordedAll);
      expect(eventBindings(plan.add)).toEqual(names.map((name) => offline(name, '')));
      expect(eventBindings(plan.remove)).toEqual([]);
    });
  });
});
