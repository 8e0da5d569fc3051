import type { Kind } from '../contracts/robot-declarations.js';
import type { AppDeclaration, BizprocDeclaration } from './declaration.js';
import { differingFields, fieldHashes } from './definition-hash.js';
import type { EventBinding, PlacementBinding, PortalState, ProvisioningRecord } from './portal-state.js';
import { UPDATE_REASON, type PlannedUpdate, type ProvisioningPlan } from './plan.js';
import { desiredEventBindings, desiredPlacements, resolveTypes, typeIdToken, type TypeResolution } from './resolve.js';
import { DEAL_USER_FIELD_ENTITY, userFieldEntityId, userFieldName, type SmartProcessDeclaration } from './smart-processes.js';

export interface DiffOptions {
  /**
   * Rewrite every existing robot and activity. Bitrix24 returns only their codes, so a change made by hand (another
   * `bizproc.robot.update` with the app's token) is invisible; this is how it is undone.
   */
  reassert?: boolean;
}

export function definitionKey(kind: Kind, code: string): string {
  return `${kind}:${code}`;
}

function emptyPlan(): ProvisioningPlan {
  return { add: [], update: [], remove: [], notes: [] };
}

function merge(...parts: ProvisioningPlan[]): ProvisioningPlan {
  return {
    add: parts.flatMap((part) => part.add),
    update: parts.flatMap((part) => part.update),
    remove: parts.flatMap((part) => part.remove),
    notes: parts.flatMap((part) => part.notes),
  };
}

function userFieldSpec(smartProcess: SmartProcessDeclaration, typeId: string, index: number) {
  const field = smartProcess.fields[index];
  if (field === undefined) throw new RangeError(`no field ${index} in ${smartProcess.key}`);
  return {
    entityId: userFieldEntityId(typeId),
    fieldName: userFieldName(typeId, field.suffix),
    userTypeId: field.userTypeId,
    multiple: field.multiple ? 'Y' : 'N',
    mandatory: field.mandatory ? 'Y' : 'N',
    editFormLabel: field.label,
    listColumnLabel: field.label,
  };
}

/** Types and fields are only ever added: changing or deleting them could lose CRM data, so differences become notes. */
function diffSmartProcesses(declaration: AppDeclaration, state: PortalState, types: TypeResolution): ProvisioningPlan {
  const plan = emptyPlan();
  for (const smartProcess of declaration.smartProcesses) {
    const resolved = types[smartProcess.key];
    if (!resolved) {
      const fields = { title: smartProcess.title, ...(smartProcess.entityTypeId === undefined ? {} : { entityTypeId: smartProcess.entityTypeId }), ...smartProcess.settings };
      plan.add.push({ resource: { kind: 'smartProcess', key: smartProcess.key, title: smartProcess.title, fields } });
    } else {
      const row = state.crmTypes.find((type) => type.entityTypeId === resolved.entityTypeId);
      const differing = Object.entries(smartProcess.settings).filter(
        ([name, value]) => typeof value === 'string' && row?.[name] !== undefined && String(row[name]) !== value,
      );
      if (differing.length > 0) {
        plan.notes.push(
          `smart process "${smartProcess.title}" (entityTypeId ${resolved.entityTypeId}) differs in ${differing.map(([name]) => name).join(', ')}: left as is`,
        );
      }
    }
    const typeId = resolved ? String(resolved.typeId) : typeIdToken(smartProcess.key);
    smartProcess.fields.forEach((_, index) => {
      const field = userFieldSpec(smartProcess, typeId, index);
      const existing = state.userFields.find((row) => row.entityId === field.entityId && row.fieldName === field.fieldName);
      if (!existing) {
        plan.add.push({ resource: { kind: 'userField', typeKey: smartProcess.key, field } });
        return;
      }
      const differing = (['userTypeId', 'multiple', 'mandatory'] as const).filter((name) => existing[name] !== field[name]);
      if (differing.length > 0) plan.notes.push(`field ${field.fieldName} differs in ${differing.join(', ')}: left as is`);
    });
  }
  return plan;
}

/** Deal user fields (the ERP order number): added when missing, otherwise left as they are (they hold CRM data). */
function diffDealFields(declaration: AppDeclaration, state: PortalState): ProvisioningPlan {
  const plan = emptyPlan();
  for (const declared of declaration.dealFields) {
    const field = {
      entityId: DEAL_USER_FIELD_ENTITY,
      fieldName: declared.fieldName,
      userTypeId: declared.userTypeId,
      multiple: declared.multiple ? 'Y' : 'N',
      mandatory: declared.mandatory ? 'Y' : 'N',
      editFormLabel: declared.label,
      listColumnLabel: declared.label,
    };
    const existing = state.dealUserFields.find((row) => row.fieldName === declared.fieldName);
    if (!existing) {
      plan.add.push({ resource: { kind: 'userField', field } });
      continue;
    }
    const differing = (['userTypeId', 'multiple'] as const).filter((name) => existing[name] !== field[name]);
    if (differing.length > 0) plan.notes.push(`deal field ${declared.fieldName} differs in ${differing.join(', ')}: left as is`);
  }
  return plan;
}

/**
 * The shipment list: created (`lists.add`) unless one is configured or found, then every declared property that the
 * list lacks (`lists.field.add`, matched by CODE). A configured list that does not exist is only reported: provisioning
 * cannot create a list under a given id.
 */
function diffShipmentList(declaration: AppDeclaration, state: PortalState): ProvisioningPlan {
  const plan = emptyPlan();
  const list = declaration.shipmentList;
  if (state.listsUnavailable !== undefined) {
    plan.notes.push(`lists are not available to the app (${state.listsUnavailable}): the shipment list cannot be provisioned, deal products are not synced`);
    return plan;
  }
  const found = state.shipmentList;
  if (found === null && list.iblockId !== undefined) {
    plan.notes.push(`the configured shipment list (SHIPMENT_LIST_IBLOCK_ID ${list.iblockId}) does not exist in the portal: deal products are not synced`);
    return plan;
  }
  if (found === null) {
    plan.add.push({
      resource: {
        kind: 'list',
        params: { IBLOCK_TYPE_ID: list.iblockTypeId, IBLOCK_CODE: list.code, FIELDS: { NAME: list.name, DESCRIPTION: list.description, BIZPROC: 'N' } },
      },
    });
  }
  // A list created in this run is addressed by its code, an existing one by its id (a configured list has another code).
  const address = found === null ? { IBLOCK_CODE: list.code } : { IBLOCK_ID: found.id };
  list.properties.forEach((property, index) => {
    const existing = found?.fields.find((field) => field.code === property.code);
    if (existing) {
      if (existing.type !== property.type) plan.notes.push(`list field ${property.code} has type ${existing.type}, not ${property.type}: left as is`);
      return;
    }
    plan.add.push({
      resource: {
        kind: 'listField',
        key: property.key,
        params: {
          IBLOCK_TYPE_ID: list.iblockTypeId,
          ...address,
          FIELDS: { NAME: property.name, TYPE: property.type, CODE: property.code, IS_REQUIRED: 'N', MULTIPLE: 'N', SORT: (index + 2) * 10 },
        },
      },
    });
  });
  return plan;
}

function diffBizproc(declaration: AppDeclaration, state: PortalState, record: ProvisioningRecord, options: DiffOptions): ProvisioningPlan {
  const plan = emptyPlan();
  const present = { robot: new Set(state.robots), activity: new Set(state.activities) };
  const declared = new Set(declaration.bizproc.map((entry) => definitionKey(entry.kind, entry.code)));
  for (const entry of declaration.bizproc) {
    if (!present[entry.kind].has(entry.code)) {
      plan.add.push({ resource: { kind: entry.kind, code: entry.code, fields: entry.fields } });
      continue;
    }
    const update = bizprocUpdate(entry, record, options);
    if (update) plan.update.push(update);
  }
  for (const kind of ['robot', 'activity'] as const) {
    for (const code of present[kind]) {
      const key = definitionKey(kind, code);
      if (declared.has(key)) continue;
      // Only what we recorded registering is ours to delete; anything else came from someone else's hand.
      if (record.definitions[key] !== undefined) plan.remove.push({ resource: { kind, code } });
      else plan.notes.push(`${kind} ${code} is registered but neither declared nor recorded as ours: left as is`);
    }
  }
  return plan;
}

function bizprocUpdate(entry: BizprocDeclaration, record: ProvisioningRecord, options: DiffOptions): PlannedUpdate | undefined {
  const resource = { kind: entry.kind, code: entry.code, fields: entry.fields };
  const recorded = record.definitions[definitionKey(entry.kind, entry.code)];
  if (options.reassert === true) return { resource, differences: ['*'], reason: UPDATE_REASON.reassert };
  if (recorded === undefined) return { resource, differences: ['*'], reason: UPDATE_REASON.unrecorded };
  const differences = differingFields(recorded, fieldHashes(entry.fields));
  return differences.length > 0 ? { resource, differences, reason: UPDATE_REASON.declarationChanged } : undefined;
}

/** Offline bindings differ by connector: Bitrix24 queues records per connector. */
function eventKey(binding: EventBinding): string {
  return `${binding.event}|${binding.offline ? `offline:${binding.connector ?? ''}` : binding.handler}`;
}

function diffEvents(declaration: AppDeclaration, state: PortalState, types: TypeResolution): ProvisioningPlan {
  const plan = emptyPlan();
  const desired = desiredEventBindings(declaration, types, state);
  // event.get lists only this app's bindings; of the online ones, ours are those pointing at our API. An offline
  // binding made with a connector can only be unbound with it, which a plan without the feature refuses: it stays
  // (an app update deletes it) and a binding without a connector is added beside it.
  const owned = state.eventBindings.filter((binding) =>
    binding.offline ? (binding.connector ?? '') === '' || state.authConnector : binding.handler.startsWith(declaration.ownedHandlerPrefix),
  );
  const matched = new Set<EventBinding>();
  for (const binding of desired) {
    const existing = owned.find((candidate) => !matched.has(candidate) && eventKey(candidate) === eventKey(binding));
    if (!existing) {
      plan.add.push({ resource: { kind: 'event', binding } });
      continue;
    }
    matched.add(existing);
    if (existing.authType !== binding.authType) {
      plan.update.push({
        resource: { kind: 'event', binding },
        previous: { kind: 'event', binding: existing },
        differences: ['auth_type'],
        reason: UPDATE_REASON.drift,
      });
    }
  }
  for (const binding of owned) if (!matched.has(binding)) plan.remove.push({ resource: { kind: 'event', binding } });
  return plan;
}

function diffPlacements(declaration: AppDeclaration, state: PortalState, types: TypeResolution): ProvisioningPlan {
  const plan = emptyPlan();
  const owned = state.placements.filter((placement) => placement.handler.startsWith(declaration.ownedHandlerPrefix));
  const matched = new Set<PlacementBinding>();
  for (const placement of desiredPlacements(declaration, types)) {
    const existing = owned.find(
      (candidate) => !matched.has(candidate) && candidate.placement === placement.placement && candidate.handler === placement.handler,
    );
    if (!existing) {
      plan.add.push({ resource: { kind: 'placement', binding: placement } });
      continue;
    }
    matched.add(existing);
    const differences = (['title', 'description'] as const).filter((name) => existing[name] !== placement[name]);
    if (differences.length > 0) {
      plan.update.push({
        resource: { kind: 'placement', binding: placement },
        previous: { kind: 'placement', binding: existing },
        differences: [...differences],
        reason: UPDATE_REASON.drift,
      });
    }
  }
  for (const placement of owned) if (!matched.has(placement)) plan.remove.push({ resource: { kind: 'placement', binding: placement } });
  return plan;
}

/**
 * What to add, update and remove so the portal matches the declaration. Pure: the same inputs give the same plan.
 * Robots and activities are compared with `record` (what we wrote last time), since Bitrix24 returns only their codes.
 */
export function diffPortal(
  declaration: AppDeclaration,
  state: PortalState,
  record: ProvisioningRecord,
  options: DiffOptions = {},
): ProvisioningPlan {
  const types = resolveTypes(declaration, state.crmTypes, record);
  return merge(
    diffSmartProcesses(declaration, state, types),
    diffDealFields(declaration, state),
    diffBizproc(declaration, state, record, options),
    diffEvents(declaration, state, types),
    diffPlacements(declaration, state, types),
    diffShipmentList(declaration, state),
  );
}
