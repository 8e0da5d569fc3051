import { AUTH_CONNECTOR } from '../contracts/bitrix24-app.js';
import { isBitrix24ErrorCode, type Bitrix24Caller } from '../integrations/bitrix24/caller.js';
import type { Kind } from '../contracts/robot-declarations.js';
import type { BizprocFields } from './bizproc-fields.js';
import { fieldHashes } from './definition-hash.js';
import { definitionKey } from './diff.js';
import { ProvisioningError, UnresolvedTypeError } from './errors.js';
import { describeResource, type Resource, type ProvisioningPlan } from './plan.js';
import type { EventBinding, PlacementBinding } from './portal-state.js';
import { isPlaceholder, substitutePlaceholders, type TypeResolution } from './resolve.js';

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
}

export interface ApplyInput {
  bitrix24: Bitrix24Caller;
  memberId: string;
  plan: ProvisioningPlan;
  /** The types the plan was made with (diffPortal's resolution); created ones are added as they are created. */
  types: TypeResolution;
  onProgress?: (progress: ApplyProgress) => void;
  signal?: AbortSignal;
}

/** Types before their fields, fields before robots that may refer to them, bindings last: each step can rely on the ones before. */
const KIND_ORDER: Record<Resource['kind'], number> = { smartProcess: 0, userField: 1, robot: 2, activity: 2, event: 3, placement: 4 };

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
  const summary: ApplySummary = { added: [], updated: [], removed: [], types, writtenDefinitions: {}, removedDefinitions: [] };
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

async function bindEvent(call: Call, binding: EventBinding): Promise<void> {
  try {
    await call('event.bind', {
      event: binding.event,
      // Our own writes carry the same auth_connector, so they do not queue offline events that would echo back.
      ...(binding.offline ? { event_type: 'offline', auth_connector: AUTH_CONNECTOR } : { handler: binding.handler, event_type: 'online' }),
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
    ...(binding.offline ? { event_type: 'offline' } : { handler: binding.handler, event_type: 'online' }),
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
