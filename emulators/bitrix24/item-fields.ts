import type { CrmItem } from './crm-store.js';
import { typeFlag, type TypeFlag } from './crm-type-model.js';
import { upperToCamel } from './field-case.js';
import type { CrmType, EmulatorState } from './state.js';

/**
 * Which fields a CRM item has. A smart process has the SPA fields of crm/universal/crm-item-add.md, some only when the
 * type's flag is on ("Only available if the `isLinkWithProductsEnabled` setting is enabled", ...), plus the user fields
 * created for it with userfieldconfig.add. crm.item.add/update ignore any other field ("An incorrect field in `fields`
 * will be ignored", crm-item-add.md, crm-item-update.md).
 */

/** userfieldconfig `entityId` of the built-in types (crm/universal/userfieldconfig/index.md "Identifiers for entityId"). */
const BUILT_IN_UF_ENTITY: Record<number, string> = {
  1: 'CRM_LEAD',
  2: 'CRM_DEAL',
  3: 'CRM_CONTACT',
  4: 'CRM_COMPANY',
  7: 'CRM_QUOTE',
  31: 'CRM_SMART_INVOICE',
};

/** SPA fields every type has (crm-item-add.md "SPA", plus the system fields an item answers with). */
const SPA_FIELDS = new Set([
  'id', 'xmlId', 'title', 'createdBy', 'updatedBy', 'movedBy', 'createdTime', 'updatedTime', 'movedTime', 'categoryId',
  'opened', 'previousStageId', 'assignedById', 'webformId', 'lastActivityBy', 'lastActivityTime', 'entityTypeId',
]);

/** SPA fields that exist only with a type flag (crm-item-add.md "SPA"). */
const FLAGGED_SPA_FIELDS: Record<string, TypeFlag> = {
  begindate: 'isBeginCloseDatesEnabled',
  closedate: 'isBeginCloseDatesEnabled',
  companyId: 'isClientEnabled',
  contactId: 'isClientEnabled',
  contactIds: 'isClientEnabled',
  observers: 'isObserversEnabled',
  stageId: 'isStagesEnabled',
  sourceId: 'isSourceEnabled',
  sourceDescription: 'isSourceEnabled',
  currencyId: 'isLinkWithProductsEnabled',
  isManualOpportunity: 'isLinkWithProductsEnabled',
  opportunity: 'isLinkWithProductsEnabled',
  taxValue: 'isLinkWithProductsEnabled',
  mycompanyId: 'isMycompanyEnabled',
};

export interface ItemUserField {
  /** UPPER_CASE name, as created (`UF_CRM_7_CLAIM_NUMBER`). */
  fieldName: string;
  /** camelCase name crm.item.* uses (`ufCrm7ClaimNumber`). */
  camelName: string;
  multiple: boolean;
  /** `double`, `integer`, `string`, ... as userfieldconfig.add created it. */
  userTypeId: string;
}

export function smartProcessType(state: EmulatorState, entityTypeId: number): CrmType | undefined {
  return state.crmTypes.find((type) => type.entityTypeId === entityTypeId);
}

/** The userfieldconfig entityId whose fields an item of this type carries. */
export function userFieldEntityOf(state: EmulatorState, entityTypeId: number): string | undefined {
  const builtIn = BUILT_IN_UF_ENTITY[entityTypeId];
  if (builtIn) return builtIn;
  const type = smartProcessType(state, entityTypeId);
  return type === undefined ? undefined : `CRM_${type.id}`;
}

export function userFieldsOf(state: EmulatorState, entityTypeId: number): ItemUserField[] {
  const entityId = userFieldEntityOf(state, entityTypeId);
  if (entityId === undefined) return [];
  return state.userFields
    .filter((field) => field.moduleId === 'crm' && field.entityId === entityId)
    .map((field) => ({
      fieldName: String(field.fieldName),
      camelName: upperToCamel(String(field.fieldName)),
      multiple: field.multiple === 'Y',
      userTypeId: String(field.userTypeId),
    }));
}

function isUserFieldName(name: string): boolean {
  return name.startsWith('ufCrm') || name.startsWith('UF_CRM_');
}

/** Whether an item of this type has the (camelCase) field. */
export function hasField(state: EmulatorState, entityTypeId: number, name: string, userFields = userFieldsOf(state, entityTypeId)): boolean {
  if (isUserFieldName(name)) return userFields.some((field) => field.camelName === name);
  const type = smartProcessType(state, entityTypeId);
  // Built-in types: the emulator does not model their system field sets (CHOICE in the README), only their user fields.
  if (type === undefined) return true;
  if (SPA_FIELDS.has(name)) return true;
  const flag = FLAGGED_SPA_FIELDS[name];
  if (flag !== undefined) return typeFlag(type, flag);
  const parent = /^parentId(\d+)$/.exec(name);
  return parent?.[1] !== undefined && state.isKnownEntityType(Number(parent[1]));
}

/**
 * A number field keeps a number whatever form the value came in: a command inside `batch` carries every parameter as
 * query-string text (`"819.93"`), and Bitrix24 stores a `double` or `integer` user field as its type (the user type
 * classes of the core `main` module convert on save; crm.item.get answers numbers). Other types keep the value.
 */
function typedValue(field: ItemUserField | undefined, value: unknown): unknown {
  if (field === undefined || Array.isArray(value)) return Array.isArray(value) ? value.map((one) => typedValue(field, one)) : value;
  if (typeof value !== 'string' || value.trim() === '') return value;
  if (field.userTypeId === 'double' && Number.isFinite(Number(value))) return Number(value);
  if (field.userTypeId === 'integer' && /^-?\d+$/.test(value.trim())) return Number.parseInt(value, 10);
  return value;
}

/** The fields of a write the type really has, user fields in their type; the rest is ignored, as crm.item.add/update do. */
export function acceptedFields(state: EmulatorState, entityTypeId: number, fields: Record<string, unknown>): Record<string, unknown> {
  const userFields = userFieldsOf(state, entityTypeId);
  const byName = new Map(userFields.map((field) => [field.camelName, field]));
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([name]) => hasField(state, entityTypeId, name, userFields))
      .map(([name, value]) => [name, typedValue(byName.get(name), value)]),
  );
}

/** An item as crm.item.get answers it: only fields the type has, every user field present (null or [] when empty). */
export function itemView(state: EmulatorState, item: CrmItem): Record<string, unknown> {
  const userFields = userFieldsOf(state, item.entityTypeId);
  const view: Record<string, unknown> = Object.fromEntries(
    Object.entries(item).filter(([name]) => hasField(state, item.entityTypeId, name, userFields)),
  );
  for (const field of userFields) {
    if (!(field.camelName in view)) view[field.camelName] = field.multiple ? [] : null;
  }
  return view;
}
