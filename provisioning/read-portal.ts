import { isBitrix24ErrorCode, type Bitrix24Caller } from '../integrations/bitrix24/caller.js';
import { listAll } from '../integrations/bitrix24/list.js';
import { AUTH_CONNECTOR_FEATURE } from '../contracts/bitrix24-app.js';
import { propertyIdOf } from '../contracts/shipment-list.js';
import type { CrmTypeRow, EventBinding, PlacementBinding, PortalState, UserFieldRow } from './portal-state.js';
import type { ListFieldRow, ListState } from './shipment-list.js';
import { DEAL_USER_FIELD_ENTITY, userFieldEntityId } from './smart-processes.js';

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
    ...(offline === 1 || offline === '1' || offline === true || offline === 'Y' ? { connector: text(record.connector_id) } : {}),
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
 * `events` lists suffixed names such as ONCRMDYNAMICITEMADD_147 where the portal offers them (b24restdocs api-reference/events/events.md). A portal
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

/**
 * Whether the plan allows `auth_connector` (feature.get `rest_auth_connector`). A portal that does not know
 * feature.get is treated as lacking it: every call then works, only without the connector's echo protection.
 */
export async function readAuthConnectorFeature(bitrix24: Bitrix24Caller, memberId: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const answer = await bitrix24.call<{ value?: unknown } | null>(memberId, 'feature.get', { CODE: AUTH_CONNECTOR_FEATURE }, { signal });
    return answer?.value === 'Y';
  } catch (error) {
    if (isBitrix24ErrorCode(error, 'ERROR_METHOD_NOT_FOUND')) return false;
    throw error;
  }
}

export interface ReadPortalOptions {
  /** Which smart-process types (by `id`) to read user fields for; default every type. One list call per type. */
  fieldTypeIds?: (crmTypes: CrmTypeRow[]) => number[];
  /**
   * How to find the shipment list: by `iblockId` (configured, or recorded last time) and, unless the id was configured,
   * by our `code`. Without it no list is read.
   */
  shipmentList?: { iblockTypeId: string; code: string; iblockId?: number; configured: boolean };
  signal?: AbortSignal;
}

/** lists.field.get answers fields keyed by FIELD_ID (`NAME`, `PROPERTY_1151`, ...); only properties have a numeric id. */
function toListFields(result: unknown): ListFieldRow[] {
  return rows(result).flatMap((row) => {
    const record = isRecord(row) ? row : {};
    const id = propertyIdOf(record.FIELD_ID);
    return id === undefined ? [] : [{ fieldId: text(record.FIELD_ID), id, code: text(record.CODE), type: text(record.TYPE) }];
  });
}

/**
 * Errors that mean the app cannot use lists on this portal at all (no `lists` scope, lists not in the plan: core
 * answers "Available only on extended plans"), as opposed to a failure worth retrying.
 */
const LISTS_UNAVAILABLE = ['ACCESS_DENIED', 'insufficient_scope', 'ERROR_METHOD_NOT_FOUND'];

async function readShipmentList(
  bitrix24: Bitrix24Caller,
  memberId: string,
  options: NonNullable<ReadPortalOptions['shipmentList']>,
  signal?: AbortSignal,
): Promise<{ list: ListState | null; unavailable?: string }> {
  try {
    return { list: await findShipmentList(bitrix24, memberId, options, signal) };
  } catch (error) {
    const code = LISTS_UNAVAILABLE.find((candidate) => isBitrix24ErrorCode(error, candidate));
    if (code === undefined) throw error;
    return { list: null, unavailable: code };
  }
}

async function findShipmentList(
  bitrix24: Bitrix24Caller,
  memberId: string,
  options: NonNullable<ReadPortalOptions['shipmentList']>,
  signal?: AbortSignal,
): Promise<ListState | null> {
  const find = async (by: Record<string, unknown>) => {
    const found = rows(await bitrix24.call<unknown>(memberId, 'lists.get', { IBLOCK_TYPE_ID: options.iblockTypeId, ...by }, { signal }));
    return found.find(isRecord);
  };
  let list = options.iblockId === undefined ? undefined : await find({ IBLOCK_ID: options.iblockId });
  if (list === undefined && !options.configured) list = await find({ IBLOCK_CODE: options.code });
  if (list === undefined) return null;
  const id = Number(list.ID);
  const fields = await bitrix24.call<unknown>(memberId, 'lists.field.get', { IBLOCK_TYPE_ID: options.iblockTypeId, IBLOCK_ID: id }, { signal });
  return { id, code: text(list.CODE), name: text(list.NAME), fields: toListFields(fields) };
}

/** Reads everything provisioning compares against. Reads only, never writes. */
export async function readPortal(bitrix24: Bitrix24Caller, memberId: string, options: ReadPortalOptions = {}): Promise<PortalState> {
  const { signal } = options;
  const call = <T>(method: string) => bitrix24.call<T>(memberId, method, {}, { signal });
  const robots = rows(await call('bizproc.robot.list')).map(text);
  const activities = rows(await call('bizproc.activity.list')).map(text);
  const eventBindings = rows(await call('event.get')).map(toEventBinding);
  const placements = rows(await call('placement.get')).map(toPlacement);
  const availableEvents = await readAvailableEvents(bitrix24, memberId, signal);
  const authConnector = await readAuthConnectorFeature(bitrix24, memberId, signal);
  const crmTypes = (
    await listAll<Record<string, unknown>>(bitrix24, memberId, 'crm.type.list', {}, { rowsKey: 'types', fastPath: false, signal })
  ).map(toCrmType);
  const typeIds = options.fieldTypeIds?.(crmTypes) ?? crmTypes.map((type) => type.id);
  const userFieldsOf = async (entityId: string) =>
    (
      await listAll<Record<string, unknown>>(
        bitrix24,
        memberId,
        'userfieldconfig.list',
        { moduleId: 'crm', filter: { entityId } },
        { rowsKey: 'fields', fastPath: false, signal },
      )
    ).map(toUserField);
  const userFields: UserFieldRow[] = [];
  for (const typeId of new Set(typeIds)) userFields.push(...(await userFieldsOf(userFieldEntityId(typeId))));
  const dealUserFields = await userFieldsOf(DEAL_USER_FIELD_ENTITY);
  const lists = options.shipmentList === undefined ? { list: null } : await readShipmentList(bitrix24, memberId, options.shipmentList, signal);
  return {
    robots,
    activities,
    eventBindings,
    placements,
    crmTypes,
    userFields,
    availableEvents,
    shipmentList: lists.list,
    ...(lists.unavailable === undefined ? {} : { listsUnavailable: lists.unavailable }),
    dealUserFields,
    authConnector,
  };
}
