import { isBitrix24ErrorCode, type Bitrix24Caller } from '../integrations/bitrix24/caller.js';
import type { Kind } from '../contracts/robot-declarations.js';
import type { BizprocFields } from './bizproc-fields.js';
import { fieldHashes } from './definition-hash.js';
import { definitionKey } from './diff.js';
import { ProvisioningError, UnresolvedTypeError } from './errors.js';
import { describeResource, type ListAddParams, type ListFieldAddParams, type Resource, type ProvisioningPlan } from './plan.js';
import type { EventBinding, PlacementBinding } from './portal-state.js';
import { isPlaceholder, substitutePlaceholders, type TypeResolution } from './resolve.js';
import { propertyIdOf } from '../contracts/shipment-list.js';
import type { ShipmentListResolution } from './shipment-list.js';

export const PLAN_ACTION = { add: 'add', update: 'update', remove: 'remove' } as const;
export type PlanAction = (typeof PLAN_ACTION)[keyof typeof PLAN_ACTION];

export interface ApplyProgress {
  /** 1-based position and count of steps. */
  step: number;
  total: number;
  action: PlanAction;
  /** The resource with the real ids (placeholders of types created earlier in this run are filled in). */
  label: string;
  status: 'started' | 'done' | 'failed';
}

export interface ApplySummary {
  added: string[];
  updated: string[];
  removed: string[];
  /** Our smart processes after this run: the ones that existed plus the ones created. */
  types: TypeResolution;
  /** Per-field hashes of the robot/activity definitions written in this run, keyed `robot:CODE`. */
  writtenDefinitions: Record<string, Record<string, string>>;
  /** Keys of registrations deleted in this run. */
  removedDefinitions: string[];
  /** The shipment list and its property ids after this run: the ones that existed plus the ones created. */
  shipmentList: ShipmentListResolution;
}

export interface ApplyInput {
  bitrix24: Bitrix24Caller;
  memberId: string;
  plan: ProvisioningPlan;
  /** The types the plan was made with (diffPortal's resolution); created ones are added as they are created. */
  types: TypeResolution;
  /** The shipment list as the plan found it; created list and fields are added as they are created. */
  shipmentList: ShipmentListResolution;
  onProgress?: (progress: ApplyProgress) => void;
  signal?: AbortSignal;
}

/**
 * Types before their fields, fields before robots that may refer to them, bindings next: each step can rely on the
 * ones before. The shipment list comes last: nothing else depends on it, and a portal without lists still gets the rest.
 */
const KIND_ORDER: Record<Resource['kind'], number> = { smartProcess: 0, userField: 1, robot: 2, activity: 2, event: 3, placement: 4, list: 5, listField: 6 };

interface Step {
  action: PlanAction;
  resource: Resource;
  previous?: Resource;
}

function orderedSteps(plan: ProvisioningPlan): Step[] {
  const writes: Step[] = [
    ...plan.add.map((entry) => ({ action: PLAN_ACTION.add, resource: entry.resource })),
    ...plan.update.map((entry) => ({
      action: PLAN_ACTION.update,
      resource: entry.resource,
      ...(entry.previous === undefined ? {} : { previous: entry.previous }),
    })),
  ].sort((left, right) => KIND_ORDER[left.resource.kind] - KIND_ORDER[right.resource.kind]);
  // Removals last, so nothing stops being delivered before its replacement is bound.
  return [...writes, ...plan.remove.map((entry) => ({ action: PLAN_ACTION.remove, resource: entry.resource }))];
}

/**
 * Applies a plan step by step through the Bitrix24 client. Stops at the first failure and returns it with what was
 * done until then, so the caller can still record the completed steps.
 */
export async function applyPlan(input: ApplyInput): Promise<{ summary: ApplySummary; failure?: ProvisioningError }> {
  const { bitrix24, memberId, signal } = input;
  const types: TypeResolution = { ...input.types };
  const shipmentList: ShipmentListResolution = { ...input.shipmentList, propertyIds: { ...input.shipmentList.propertyIds } };
  const summary: ApplySummary = { added: [], updated: [], removed: [], types, writtenDefinitions: {}, removedDefinitions: [], shipmentList };
  const steps = orderedSteps(input.plan);
  const call = <T = unknown>(method: string, params: Record<string, unknown>) => bitrix24.call<T>(memberId, method, params, { signal });

  for (const [index, planned] of steps.entries()) {
    const step = { ...planned, resource: substitutePlaceholders(planned.resource, types) };
    const label = describeResource(step.resource);
    const progress = (status: ApplyProgress['status']) =>
      input.onProgress?.({ step: index + 1, total: steps.length, action: step.action, label, status });
    progress('started');
    try {
      if (isPlaceholder(JSON.stringify(step.resource))) throw new UnresolvedTypeError(`${label} refers to a type that was not created`);
      await applyStep(step, call, types, summary);
    } catch (error) {
      progress('failed');
      return { summary, failure: new ProvisioningError(`${step.action} ${label}`, error) };
    }
    summary[step.action === 'add' ? 'added' : step.action === 'update' ? 'updated' : 'removed'].push(label);
    progress('done');
  }
  return { summary };
}

type Call = <T = unknown>(method: string, params: Record<string, unknown>) => Promise<T>;

async function applyStep(step: Step, call: Call, types: TypeResolution, summary: ApplySummary): Promise<void> {
  const { resource } = step;
  switch (resource.kind) {
    case 'smartProcess': {
      const created = await call<{ type?: { id?: unknown; entityTypeId?: unknown } }>('crm.type.add', { fields: resource.fields });
      const entityTypeId = Number(created.type?.entityTypeId);
      const typeId = Number(created.type?.id);
      if (!Number.isInteger(entityTypeId) || !Number.isInteger(typeId)) throw new TypeError('crm.type.add returned no type id');
      types[resource.key] = { entityTypeId, typeId };
      return;
    }
    case 'userField':
      await call('userfieldconfig.add', { moduleId: 'crm', field: resource.field });
      return;
    case 'list':
      summary.shipmentList.iblockId = await addList(call, resource.params);
      return;
    case 'listField':
      summary.shipmentList.propertyIds[resource.key] = await addListField(call, resource.params);
      return;
    case 'robot':
    case 'activity': {
      if (step.action === 'remove') {
        await removeBizproc(call, resource.kind, resource.code);
        summary.removedDefinitions.push(definitionKey(resource.kind, resource.code));
        return;
      }
      if (resource.fields === undefined) throw new TypeError(`${resource.kind} ${resource.code} has no definition to write`);
      await writeBizproc(call, resource.kind, resource.code, resource.fields, step.action);
      summary.writtenDefinitions[definitionKey(resource.kind, resource.code)] = fieldHashes(resource.fields);
      return;
    }
    case 'event':
      if (step.action !== 'add' && step.previous?.kind === 'event') await unbindEvent(call, step.previous.binding);
      if (step.action === 'remove') await unbindEvent(call, resource.binding);
      else await bindEvent(call, resource.binding);
      return;
    case 'placement':
      if (step.action !== 'add' && step.previous?.kind === 'placement') await unbindPlacement(call, step.previous.binding);
      if (step.action === 'remove') await unbindPlacement(call, resource.binding);
      else await bindPlacement(call, resource.binding);
      return;
  }
}

/** lists.add answers the new IBLOCK_ID; a list with our code created meanwhile is found instead. */
async function addList(call: Call, params: ListAddParams): Promise<number> {
  try {
    const id = Number(await call<unknown>('lists.add', { ...params }));
    if (!Number.isInteger(id) || id <= 0) throw new TypeError('lists.add returned no list id');
    return id;
  } catch (error) {
    if (!isBitrix24ErrorCode(error, 'ERROR_IBLOCK_ALREADY_EXISTS')) throw error;
    const found = await call<unknown>('lists.get', { IBLOCK_TYPE_ID: params.IBLOCK_TYPE_ID, IBLOCK_CODE: params.IBLOCK_CODE });
    const id = Number((Array.isArray(found) ? (found[0] as { ID?: unknown } | undefined) : undefined)?.ID);
    if (!Number.isInteger(id) || id <= 0) throw error;
    return id;
  }
}

/** lists.field.add answers `PROPERTY_<id>`; a property with our CODE added meanwhile (ERROR_SAVE_FIELD) is looked up. */
async function addListField(call: Call, params: ListFieldAddParams): Promise<number> {
  try {
    const id = propertyIdOf(await call<unknown>('lists.field.add', { ...params }));
    if (id === undefined) throw new TypeError('lists.field.add returned no PROPERTY_<id>');
    return id;
  } catch (error) {
    if (!isBitrix24ErrorCode(error, 'ERROR_SAVE_FIELD')) throw error;
    const { FIELDS: _fields, ...list } = params;
    const fields = await call<unknown>('lists.field.get', list);
    const rows = typeof fields === 'object' && fields !== null ? Object.values(fields) : [];
    const match = rows.find((row) => (row as { CODE?: unknown }).CODE === params.FIELDS.CODE) as { FIELD_ID?: unknown } | undefined;
    const id = propertyIdOf(match?.FIELD_ID);
    if (id === undefined) throw error;
    return id;
  }
}

async function writeBizproc(call: Call, kind: Kind, code: string, fields: BizprocFields, action: PlanAction): Promise<void> {
  const prefix = `bizproc.${kind}`;
  const update = () => call(`${prefix}.update`, { CODE: code, FIELDS: fields });
  const add = () => call(`${prefix}.add`, { CODE: code, ...fields });
  try {
    await (action === 'add' ? add() : update());
  } catch (error) {
    // Someone registered it between our read and this write (or removed it): do the other one.
    if (action === 'add' && isBitrix24ErrorCode(error, 'ERROR_ACTIVITY_ALREADY_INSTALLED')) await update();
    else if (action === 'update' && isBitrix24ErrorCode(error, 'ERROR_ACTIVITY_NOT_FOUND')) await add();
    else throw error;
  }
}

async function removeBizproc(call: Call, kind: Kind, code: string): Promise<void> {
  try {
    await call(`bizproc.${kind}.delete`, { CODE: code });
  } catch (error) {
    if (!isBitrix24ErrorCode(error, 'ERROR_ACTIVITY_NOT_FOUND')) throw error;
  }
}

function connectorOf(binding: EventBinding): { auth_connector?: string } {
  return binding.connector ? { auth_connector: binding.connector } : {};
}

async function bindEvent(call: Call, binding: EventBinding): Promise<void> {
  try {
    await call('event.bind', {
      event: binding.event,
      // With a connector, our own writes (which carry it) do not queue offline events that would echo back.
      ...(binding.offline ? { event_type: 'offline', ...connectorOf(binding) } : { handler: binding.handler, event_type: 'online' }),
      ...(binding.authType === 0 ? {} : { auth_type: binding.authType }),
      ...(binding.options === undefined ? {} : { options: binding.options }),
    });
  } catch (error) {
    if (!isBitrix24ErrorCode(error, 'ERROR_HANDLER_ALREADY_EXIST')) throw error;
  }
}

async function unbindEvent(call: Call, binding: EventBinding): Promise<void> {
  await call('event.unbind', {
    event: binding.event,
    // Core unbinds an offline binding only for the connector the call carries (bitrix core modules/rest/lib/api/event.php).
    ...(binding.offline ? { event_type: 'offline', ...connectorOf(binding) } : { handler: binding.handler, event_type: 'online' }),
    auth_type: binding.authType,
  });
}

async function bindPlacement(call: Call, binding: PlacementBinding): Promise<void> {
  const bind = () =>
    call('placement.bind', { PLACEMENT: binding.placement, HANDLER: binding.handler, TITLE: binding.title, DESCRIPTION: binding.description });
  try {
    await bind();
  } catch (error) {
    if (!isBitrix24ErrorCode(error, 'ERROR_PLACEMENT_HANDLER_ALREADY_BINDED')) throw error;
    // Bound meanwhile, possibly with another title: bind again with ours.
    await unbindPlacement(call, binding);
    await bind();
  }
}

async function unbindPlacement(call: Call, binding: PlacementBinding): Promise<void> {
  await call('placement.unbind', { PLACEMENT: binding.placement, HANDLER: binding.handler });
}
