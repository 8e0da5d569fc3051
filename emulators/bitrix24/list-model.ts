import { restErrors } from './errors.js';
import { asInt, asString, paramCI, type Params } from './params.js';

/** A universal list (`lists.add`): an information block of type `lists`, `bitrix_processes` or `lists_socnet`. */
export interface ListIblock {
  ID: number;
  IBLOCK_TYPE_ID: string;
  CODE: string;
  NAME: string;
  DESCRIPTION: string;
  SORT: number;
  BIZPROC: 'Y' | 'N';
  SOCNET_GROUP_ID: number | null;
  /** When lists.add created it, in the site's format ("05/17/2023 04:09:23 pm"). */
  TIMESTAMP_X?: string;
}

/** A custom field of a list (`lists.field.add`), addressed as `PROPERTY_<ID>`. */
export interface ListProperty {
  ID: number;
  IBLOCK_ID: number;
  CODE: string;
  NAME: string;
  /** `S`, `N`, `L`, `S:Date`, ... (lists-field-add.md). */
  TYPE: string;
  IS_REQUIRED: 'Y' | 'N';
  MULTIPLE: 'Y' | 'N';
  SORT: number;
  DEFAULT_VALUE: unknown;
  SETTINGS: Record<string, unknown>;
}

/** A list element. FIELDS holds only the list's real fields: NAME and `PROPERTY_<id>` (one value, or several). */
export interface ListElement {
  ID: number;
  IBLOCK_TYPE_ID: string;
  IBLOCK_ID: string;
  CODE: string;
  FIELDS: Record<string, string | string[]>;
  /** Per property, the value ids lists.element.get keys the values by. */
  VALUE_IDS: Record<string, number[]>;
}

/** What the list methods read and write of the portal's state. */
export interface ListStore {
  lists: ListIblock[];
  listProperties: ListProperty[];
  nextId(sequence: string): number;
}

/**
 * Universal lists as Bitrix24 keeps them (b24restdocs api-reference/lists/; core modules/lists/lib/entity/*.php):
 * a list exists only after `lists.add`, its custom fields are properties with numeric ids (`PROPERTY_<id>`), and an
 * element stores exactly the list's fields.
 */

/** `lists.field.add` types (lists-field-add.md): custom ones become properties, system ones are element fields. */
const PROPERTY_TYPES = new Set(['S', 'N', 'L', 'F', 'G', 'E', 'S:Date', 'S:DateTime', 'S:HTML', 'E:EList', 'N:Sequence', 'S:ECrm', 'S:Money', 'S:DiskFile', 'S:employee']);
const SYSTEM_FIELD_TYPES = new Set(['SORT', 'ACTIVE_FROM', 'ACTIVE_TO', 'PREVIEW_PICTURE', 'PREVIEW_TEXT', 'DETAIL_PICTURE', 'DETAIL_TEXT', 'DATE_CREATE', 'CREATED_BY', 'TIMESTAMP_X', 'MODIFIED_BY']);

export const missingParameter = (name: string) => restErrors.validation('ERROR_REQUIRED_PARAMETERS_MISSING', `Required parameter "${name}" is missing`);
const iblockNotFound = () => restErrors.validation('ERROR_IBLOCK_NOT_FOUND', 'Iblock not found');
const saveFieldError = (text: string) => restErrors.validation('ERROR_SAVE_FIELD', text);

export function isPropertyType(type: string): boolean {
  return PROPERTY_TYPES.has(type);
}

export function isSystemFieldType(type: string): boolean {
  return SYSTEM_FIELD_TYPES.has(type);
}

/** The list a call addresses by IBLOCK_TYPE_ID and IBLOCK_ID or IBLOCK_CODE; ERROR_IBLOCK_NOT_FOUND when it does not exist. */
export function requireList(state: ListStore, params: Params): ListIblock {
  const typeId = asString(paramCI(params, 'IBLOCK_TYPE_ID'));
  if (!typeId) throw missingParameter('IBLOCK_TYPE_ID');
  const id = asInt(paramCI(params, 'IBLOCK_ID'));
  const code = asString(paramCI(params, 'IBLOCK_CODE'));
  if (id === undefined && !code) throw missingParameter('IBLOCK_ID');
  const list = state.lists.find((candidate) => candidate.IBLOCK_TYPE_ID === typeId && (id !== undefined ? candidate.ID === id : candidate.CODE === code));
  if (!list) throw iblockNotFound();
  return list;
}

export function propertiesOf(state: ListStore, list: ListIblock): ListProperty[] {
  return state.listProperties.filter((property) => property.IBLOCK_ID === list.ID).sort((a, b) => a.SORT - b.SORT || a.ID - b.ID);
}

export function fieldIdOf(property: ListProperty): string {
  return `PROPERTY_${property.ID}`;
}

/** A field as lists.field.get answers it (lists-field-get.md example). */
export function presentProperty(property: ListProperty): Record<string, unknown> {
  const [propertyType = property.TYPE, userType] = property.TYPE.split(':');
  return {
    FIELD_ID: fieldIdOf(property),
    SORT: property.SORT,
    NAME: property.NAME,
    IS_REQUIRED: property.IS_REQUIRED,
    MULTIPLE: property.MULTIPLE,
    DEFAULT_VALUE: property.DEFAULT_VALUE ?? null,
    TYPE: property.TYPE,
    PROPERTY_TYPE: propertyType,
    PROPERTY_USER_TYPE: userType === undefined ? false : { USER_TYPE: userType },
    CODE: property.CODE,
    ID: String(property.ID),
    LINK_IBLOCK_ID: null,
    ROW_COUNT: '1',
    COL_COUNT: '30',
    USER_TYPE_SETTINGS: null,
    SETTINGS: { SHOW_ADD_FORM: 'Y', SHOW_EDIT_FORM: 'Y', ADD_READ_ONLY_FIELD: 'N', EDIT_READ_ONLY_FIELD: 'N', SHOW_FIELD_PREVIEW: 'N', ...property.SETTINGS },
  };
}

/** Every list has the NAME field (core CListFieldList always adds it). */
export function presentNameField(): Record<string, unknown> {
  return { FIELD_ID: 'NAME', SORT: 10, NAME: 'Name', IS_REQUIRED: 'Y', MULTIPLE: 'N', DEFAULT_VALUE: '', TYPE: 'NAME' };
}

export interface NewList {
  /** `TIMESTAMP_X` in the site's format; lists seeded without one answer null. */
  timestamp?: string;
  typeId: string;
  code: string;
  name: string;
  description?: string;
  sort?: number;
  bizproc?: 'Y' | 'N';
}

export function addList(state: ListStore, input: NewList): ListIblock {
  if (state.lists.some((list) => list.IBLOCK_TYPE_ID === input.typeId && list.CODE === input.code)) {
    throw restErrors.validation('ERROR_IBLOCK_ALREADY_EXISTS', 'Iblock already exists');
  }
  const list: ListIblock = {
    ID: state.nextId('iblock'),
    IBLOCK_TYPE_ID: input.typeId,
    CODE: input.code,
    NAME: input.name,
    DESCRIPTION: input.description ?? '',
    SORT: input.sort ?? 500,
    BIZPROC: input.bizproc ?? 'N',
    SOCNET_GROUP_ID: null,
    ...(input.timestamp === undefined ? {} : { TIMESTAMP_X: input.timestamp }),
  };
  state.lists.push(list);
  return list;
}

export interface NewListField {
  NAME?: unknown;
  TYPE?: unknown;
  CODE?: unknown;
  IS_REQUIRED?: unknown;
  MULTIPLE?: unknown;
  SORT?: unknown;
  DEFAULT_VALUE?: unknown;
  SETTINGS?: unknown;
}

/** lists.field.add: a custom type becomes a property and answers `PROPERTY_<id>`; a system field answers its code. */
export function addListField(state: ListStore, list: ListIblock, fields: NewListField): string {
  const name = asString(fields.NAME);
  const type = asString(fields.TYPE);
  if (!name) throw missingParameter('FIELDS[NAME]');
  if (!type) throw missingParameter('FIELDS[TYPE]');
  if (isSystemFieldType(type)) return type;
  if (!isPropertyType(type)) throw saveFieldError('Error saving the field');
  const code = asString(fields.CODE) ?? '';
  if (code === '') throw saveFieldError('Please fill the code fields');
  if (propertiesOf(state, list).some((property) => property.CODE === code)) throw saveFieldError('Property already exists');
  const property: ListProperty = {
    ID: state.nextId('listProperty') + 100,
    IBLOCK_ID: list.ID,
    CODE: code,
    NAME: name,
    TYPE: type,
    IS_REQUIRED: asString(fields.IS_REQUIRED) === 'Y' ? 'Y' : 'N',
    MULTIPLE: asString(fields.MULTIPLE) === 'Y' ? 'Y' : 'N',
    SORT: asInt(fields.SORT) ?? (propertiesOf(state, list).length + 2) * 10,
    DEFAULT_VALUE: fields.DEFAULT_VALUE ?? null,
    SETTINGS: typeof fields.SETTINGS === 'object' && fields.SETTINGS !== null ? (fields.SETTINGS as Record<string, unknown>) : {},
  };
  state.listProperties.push(property);
  return fieldIdOf(property);
}

function valuesOf(raw: unknown): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return raw;
  if (typeof raw === 'object') return Object.values(raw);
  return [raw];
}

/** PHP floatval as a number property stores it ("2,5" → 2.5, "" → 0), written back as text. */
function numberValue(value: unknown): string {
  const text = String(value ?? '').replace(/\s/g, '').replace(',', '.');
  const parsed = Number.parseFloat(text);
  return String(Number.isFinite(parsed) ? parsed : 0);
}

/**
 * The element's stored fields from a FIELDS parameter, as core Element::getElementFields builds them: it walks the
 * list's own fields, so a key that is no field of the list (`PROPERTY_DEAL_ID`, `PROPERTY_999`) is dropped, and a
 * field left out is empty. `N` properties are stored as numbers.
 */
export function elementFields(state: ListStore, list: ListIblock, fields: Record<string, unknown>): Record<string, string | string[]> {
  const stored: Record<string, string | string[]> = {};
  const name = asString(fields.NAME);
  if (name !== undefined) stored.NAME = name;
  for (const property of propertiesOf(state, list)) {
    const fieldId = fieldIdOf(property);
    const values = valuesOf(fields[fieldId]).map((value) => (property.TYPE === 'N' ? numberValue(value) : String(value ?? '')));
    const kept = property.TYPE === 'N' ? values : values.filter((value) => value !== '');
    if (kept.length === 0) continue;
    stored[fieldId] = property.MULTIPLE === 'Y' ? kept : (kept[0] as string);
  }
  return stored;
}

/** Core Element::validateFields: required fields must be filled, `N` values must be numbers. */
export function validateElementFields(state: ListStore, list: ListIblock, fields: Record<string, unknown>): void {
  const invalid = (text: string) => restErrors.validation('ERROR_ELEMENT_FIELD_VALUE', text);
  for (const property of propertiesOf(state, list)) {
    const values = valuesOf(fields[fieldIdOf(property)]);
    if (property.IS_REQUIRED === 'Y' && values.every((value) => String(value ?? '') === '')) throw invalid(`The field "${property.NAME}" is required`);
    if (property.TYPE !== 'N') continue;
    for (const value of values) {
      const text = String(value ?? '').replace(/\s/g, '').replace(',', '.');
      if (text !== '' && !Number.isFinite(Number(text))) throw invalid(`Value of the "${property.NAME}" field is not correct`);
    }
  }
}

/** Fresh value ids for every stored property value (lists.element.get keys values by them). */
export function valueIdsFor(state: ListStore, stored: Record<string, string | string[]>): Record<string, number[]> {
  return Object.fromEntries(
    Object.entries(stored)
      .filter(([key]) => key.startsWith('PROPERTY_'))
      .map(([key, value]) => [key, (Array.isArray(value) ? value : [value]).map(() => state.nextId('listValue') + 1000)]),
  );
}

/** An element as lists.element.get answers it (lists-element-get.md example): properties as `{valueId: value}`. */
export function presentElement(element: ListElement): Record<string, unknown> {
  const row: Record<string, unknown> = {
    ID: String(element.ID),
    NAME: element.FIELDS.NAME ?? '',
    IBLOCK_SECTION_ID: null,
    CREATED_BY: '1',
    CODE: element.CODE,
  };
  for (const [key, value] of Object.entries(element.FIELDS)) {
    if (!key.startsWith('PROPERTY_')) continue;
    const values = Array.isArray(value) ? value : [value];
    const ids = element.VALUE_IDS[key] ?? [];
    row[key] = Object.fromEntries(values.map((entry, index) => [String(ids[index] ?? index), entry]));
  }
  return row;
}

/**
 * Filter fields lists.element.get accepts (core Element::getAvailableFields: element fields, `PROPERTY_<CODE>` and the
 * list's field ids); any other field → ERROR_ARGUMENT "Filter field not allowed" (core IRestService::sanitizeFilter).
 */
const ELEMENT_FILTER_FIELDS = [
  'ID', 'ACTIVE', 'NAME', 'TAGS', 'XML_ID', 'EXTERNAL_ID', 'PREVIEW_TEXT', 'PREVIEW_TEXT_TYPE', 'PREVIEW_PICTURE', 'DETAIL_TEXT',
  'DETAIL_TEXT_TYPE', 'DETAIL_PICTURE', 'CHECK_PERMISSIONS', 'PERMISSIONS_BY', 'CATALOG_TYPE', 'MIN_PERMISSION', 'SEARCHABLE_CONTENT',
  'SORT', 'TIMESTAMP_X', 'DATE_MODIFY_FROM', 'DATE_MODIFY_TO', 'MODIFIED_USER_ID', 'MODIFIED_BY', 'DATE_CREATE', 'CREATED_USER_ID',
  'CREATED_BY', 'DATE_ACTIVE_FROM', 'DATE_ACTIVE_TO', 'ACTIVE_DATE', 'ACTIVE_FROM', 'ACTIVE_TO', 'SECTION_ID',
];
const FILTER_KEY = /^([^a-zA-Z]*)(.*)$/;
/** Prefixes of lists-element-get.md. */
const FILTER_OPERATIONS = new Set(['', '=', '!', '!=', '>', '>=', '<', '<=', '@', '!@', '%', '=%', '!%', '!=%']);

export function elementFilter(state: ListStore, list: ListIblock, raw: Record<string, unknown>): (element: ListElement) => boolean {
  const properties = propertiesOf(state, list);
  const allowed = new Set([...ELEMENT_FILTER_FIELDS, ...properties.map(fieldIdOf), ...properties.map((property) => `PROPERTY_${property.CODE}`)]);
  const conditions = Object.entries(raw).map(([key, expected]) => {
    const [, operation = '', field = ''] = FILTER_KEY.exec(key.toUpperCase()) ?? [];
    if (!FILTER_OPERATIONS.has(operation)) throw restErrors.validation('ERROR_ARGUMENT', `Filter operation not allowed: ${operation}`);
    if (!allowed.has(field)) throw restErrors.validation('ERROR_ARGUMENT', `Filter field not allowed: ${field}`);
    const byCode = properties.find((property) => `PROPERTY_${property.CODE}` === field);
    return { operation, field: byCode ? fieldIdOf(byCode) : field, expected };
  });
  return (element) =>
    conditions.every(({ operation, field, expected }) => {
      const stored = field === 'ID' ? String(element.ID) : element.FIELDS[field];
      const actual = (Array.isArray(stored) ? stored : stored === undefined ? [] : [stored]).map(String);
      const wanted = (Array.isArray(expected) ? expected : [expected]).map((value) => String(value));
      const equal = () => actual.some((value) => wanted.some((candidate) => value === candidate || (value !== '' && Number(value) === Number(candidate))));
      const contains = () => actual.some((value) => wanted.some((candidate) => value.toLowerCase().includes(candidate.toLowerCase().replace(/%/g, ''))));
      const compare = (test: (a: number, b: number) => boolean) => actual.some((value) => test(Number(value), Number(wanted[0])));
      switch (operation) {
        case '':
        case '=':
        case '@':
          return equal();
        case '!':
        case '!=':
        case '!@':
          return !equal();
        case '>':
          return compare((a, b) => a > b);
        case '>=':
          return compare((a, b) => a >= b);
        case '<':
          return compare((a, b) => a < b);
        case '<=':
          return compare((a, b) => a <= b);
        case '%':
        case '=%':
          return contains();
        default:
          return !contains();
      }
    });
}
