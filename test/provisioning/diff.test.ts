import { describe, expect, it } from 'vitest';
import { ROBOT_DECLARATIONS } from '../../contracts/robot-declarations.js';
import { fieldHashes } from '../../provisioning/definition-hash.js';
import { definitionKey, diffPortal } from '../../provisioning/diff.js';
import { buildDeclaration, UPDATE_REASON, type PortalState, type ProvisioningRecord } from '../../provisioning/index.js';
import type { EventBinding } from '../../provisioning/portal-state.js';

const PUBLIC_URL = 'https://app.example.com';
const EVENTS = `${PUBLIC_URL}/bitrix24/events`;
const PLACEMENTS = `${PUBLIC_URL}/bitrix24/placements/runs`;
const declaration = buildDeclaration({ publicUrl: `${PUBLIC_URL}/` });

function emptyState(overrides: Partial<PortalState> = {}): PortalState {
  return { robots: [], activities: [], eventBindings: [], placements: [], crmTypes: [], userFields: [], availableEvents: null, ...overrides };
}

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

function offline(event: string): EventBinding {
  return { event, handler: '', offline: true, authType: 0 };
}

function labels(bindings: { resource: { kind: string } & Record<string, unknown> }[]): string[] {
  return bindings.map(({ resource }) => {
    if (resource.kind === 'event') {
      const binding = resource.binding as EventBinding;
      return `${binding.event}${binding.offline ? ' offline' : ''}`;
    }
    if (resource.kind === 'placement') return (resource.binding as { placement: string }).placement;
    if (resource.kind === 'userField') return (resource.field as { fieldName: string }).fieldName;
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
    expect(plan.add.find((entry) => entry.resource.kind === 'smartProcess')?.resource).toMatchObject({
      fields: { title: 'Claim', relations: { parent: [{ entityTypeId: 2, isChildrenListEnabled: 'true' }] } },
    });
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
    });
    const bizprocOnly = { ...declaration, smartProcesses: [], events: [], placements: [] };
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
    const state = emptyState({ crmTypes: [renamed, totalsType], userFields: [{ ...allFields[0]!, userTypeId: 'integer' }, ...allFields.slice(1)] });
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
      crmTypes: [claimType, totalsType],
      userFields: allFields,
      eventBindings: [
        ...names.map(online).map((binding) => (binding.event === 'ONCRMDEALADD' ? { ...binding, authType: 5 } : binding)),
        ...names.map(offline),
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
});
