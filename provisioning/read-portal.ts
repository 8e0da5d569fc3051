import { isBitrix24ErrorCode, type Bitrix24Caller } from '../integrations/bitrix24/caller.js';
import { listAll } from '../integrations/bitrix24/list.js';
import type { CrmTypeRow, EventBinding, PlacementBinding, PortalState, UserFieldRow } from './portal-state.js';
import { userFieldEntityId } from './smart-processes.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** PHP sends an empty list as `[]`, an empty keyed array as `{}`. */
function rows(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return isRecord(value) ? Object.values(value) : [];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

function toEventBinding(row: unknown): EventBinding {
  const record = isRecord(row) ? row : {};
  const offline = record.offline;
  return {
    event: text(record.event).toUpperCase(),
    handler: text(record.handler),
    offline: offline === 1 || offline === '1' || offline === true || offline === 'Y',
    authType: Number(record.auth_type ?? 0) || 0,
  };
}

function toPlacement(row: unknown): PlacementBinding {
  const record = isRecord(row) ? row : {};
  return {
    placement: text(record.placement).toUpperCase(),
    handler: text(record.handler),
    title: text(record.title),
    description: text(record.description),
  };
}

function toCrmType(row: Record<string, unknown>): CrmTypeRow {
  return { ...row, id: Number(row.id), entityTypeId: Number(row.entityTypeId), title: text(row.title) };
}

function toUserField(row: Record<string, unknown>): UserFieldRow {
  return {
    ...row,
    entityId: text(row.entityId),
    fieldName: text(row.fieldName),
    userTypeId: text(row.userTypeId),
    multiple: text(row.multiple) || 'N',
    mandatory: text(row.mandatory) || 'N',
  };
}

/**
 * `events` lists suffixed names such as ONCRMDYNAMICITEMADD_147 where the portal offers them (protocol 4.1). A portal
 * that does not know the method gets base events only.
 */
async function readAvailableEvents(bitrix24: Bitrix24Caller, memberId: string, signal?: AbortSignal): Promise<string[] | null> {
  try {
    const result = await bitrix24.call<unknown>(memberId, 'events', {}, { signal });
    return rows(result).map((name) => text(name).toUpperCase());
  } catch (error) {
    if (isBitrix24ErrorCode(error, 'ERROR_METHOD_NOT_FOUND')) return null;
    throw error;
  }
}

export interface ReadPortalOptions {
  /** Which smart-process types (by `id`) to read user fields for; default every type. One list call per type. */
  fieldTypeIds?: (crmTypes: CrmTypeRow[]) => number[];
  signal?: AbortSignal;
}

/** Reads everything provisioning compares against (protocol 3.2, 3.3, 4.1, 9.4, 9.8). Reads only, never writes. */
export async function readPortal(bitrix24: Bitrix24Caller, memberId: string, options: ReadPortalOptions = {}): Promise<PortalState> {
  const { signal } = options;
  const call = <T>(method: string) => bitrix24.call<T>(memberId, method, {}, { signal });
  const robots = rows(await call('bizproc.robot.list')).map(text);
  const activities = rows(await call('bizproc.activity.list')).map(text);
  const eventBindings = rows(await call('event.get')).map(toEventBinding);
  const placements = rows(await call('placement.get')).map(toPlacement);
  const availableEvents = await readAvailableEvents(bitrix24, memberId, signal);
  const crmTypes = (
    await listAll<Record<string, unknown>>(bitrix24, memberId, 'crm.type.list', {}, { rowsKey: 'types', fastPath: false, signal })
  ).map(toCrmType);
  const typeIds = options.fieldTypeIds?.(crmTypes) ?? crmTypes.map((type) => type.id);
  const userFields: UserFieldRow[] = [];
  for (const typeId of new Set(typeIds)) {
    const fields = await listAll<Record<string, unknown>>(
      bitrix24,
      memberId,
      'userfieldconfig.list',
      { moduleId: 'crm', filter: { entityId: userFieldEntityId(typeId) } },
      { rowsKey: 'fields', fastPath: false, signal },
    );
    userFields.push(...fields.map(toUserField));
  }
  return { robots, activities, eventBindings, placements, crmTypes, userFields, availableEvents };
}
