import { restErrors } from '../errors.js';
import {
  addList,
  addListField,
  elementFields,
  elementFilter,
  fieldIdOf,
  missingParameter,
  presentElement,
  presentNameField,
  presentProperty,
  propertiesOf,
  requireList,
  validateElementFields,
  valueIdsFor,
} from '../list-model.js';
import { paginate, type MethodContext, type MethodTable } from '../method-types.js';
import { asInt, asRecord, asString, paramCI, type Params } from '../params.js';
import { siteDateTime } from '../clock.js';
import type { ListElement, ListIblock } from '../state.js';

function elementsOf(ctx: MethodContext, list: ListIblock): ListElement[] {
  return ctx.state.listElements.filter((element) => element.IBLOCK_TYPE_ID === list.IBLOCK_TYPE_ID && element.IBLOCK_ID === String(list.ID));
}

function findElement(ctx: MethodContext, list: ListIblock, params: Params): ListElement {
  const id = asInt(paramCI(params, 'ELEMENT_ID'));
  const code = asString(paramCI(params, 'ELEMENT_CODE'));
  if (id === undefined && !code) throw missingParameter('ELEMENT_ID');
  const element = elementsOf(ctx, list).find((candidate) => (id !== undefined ? candidate.ID === id : candidate.CODE === code));
  if (!element) throw restErrors.validation('ERROR_ELEMENT_NOT_FOUND', 'Element not found');
  return element;
}

/** A list as lists.get answers it: every key of the lists-get.md example, the ones the emulator does not model as there. */
function presentList(list: ListIblock): Record<string, unknown> {
  return {
    ID: String(list.ID),
    TIMESTAMP_X: list.TIMESTAMP_X ?? null,
    IBLOCK_TYPE_ID: list.IBLOCK_TYPE_ID,
    LID: 's1',
    CODE: list.CODE,
    API_CODE: null,
    NAME: list.NAME,
    ACTIVE: 'Y',
    SORT: String(list.SORT),
    LIST_PAGE_URL: null,
    DETAIL_PAGE_URL: null,
    SECTION_PAGE_URL: null,
    CANONICAL_PAGE_URL: null,
    PICTURE: null,
    DESCRIPTION: list.DESCRIPTION,
    DESCRIPTION_TYPE: 'text',
    RSS_TTL: '24',
    RSS_ACTIVE: 'Y',
    RSS_FILE_ACTIVE: 'N',
    RSS_FILE_LIMIT: null,
    RSS_FILE_DAYS: null,
    RSS_YANDEX_ACTIVE: 'N',
    XML_ID: null,
    TMP_ID: null,
    INDEX_ELEMENT: 'Y',
    INDEX_SECTION: 'N',
    WORKFLOW: 'N',
    BIZPROC: list.BIZPROC,
    SECTION_CHOOSER: 'L',
    LIST_MODE: null,
    RIGHTS_MODE: 'E',
    SECTION_PROPERTY: null,
    PROPERTY_INDEX: null,
    VERSION: '1',
    LAST_CONV_ELEMENT: '0',
    SOCNET_GROUP_ID: list.SOCNET_GROUP_ID === null ? null : String(list.SOCNET_GROUP_ID),
    EDIT_FILE_BEFORE: null,
    EDIT_FILE_AFTER: null,
    SECTIONS_NAME: 'Sections',
    SECTION_NAME: 'Section',
    ELEMENTS_NAME: 'Elements',
    ELEMENT_NAME: 'Element',
    REST_ON: 'N',
    FULLTEXT_INDEX: 'N',
    EXTERNAL_ID: null,
    LANG_DIR: '/',
    SERVER_NAME: null,
  };
}

const ELEMENT_SORT_FIELDS = new Set(['ID', 'NAME', 'SORT', 'CODE']);

function sortElements(elements: ListElement[], order: Record<string, unknown>): ListElement[] {
  const entries = Object.entries(order)
    .map(([field, direction]) => [field.toUpperCase(), String(direction).toLowerCase()] as const)
    .filter(([field, direction]) => (ELEMENT_SORT_FIELDS.has(field) || field.startsWith('PROPERTY_')) && (direction === 'asc' || direction === 'desc'));
  const rules = entries.length > 0 ? entries : ([['ID', 'asc']] as const);
  const valueOf = (element: ListElement, field: string): string | number => {
    if (field === 'ID') return element.ID;
    if (field === 'CODE') return element.CODE;
    const stored = element.FIELDS[field];
    return Array.isArray(stored) ? (stored[0] ?? '') : (stored ?? '');
  };
  return [...elements].sort((left, right) => {
    for (const [field, direction] of rules) {
      const a = valueOf(left, field);
      const b = valueOf(right, field);
      const compared = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
      if (compared !== 0) return direction === 'desc' ? -compared : compared;
    }
    return 0;
  });
}

function requireName(fields: Record<string, unknown>): void {
  if (!asString(fields.NAME)) throw missingParameter('FIELDS[NAME]');
}

export const listMethods: MethodTable = {
  'lists.add': {
    handler: (params, ctx) => {
      const typeId = asString(paramCI(params, 'IBLOCK_TYPE_ID'));
      const code = asString(paramCI(params, 'IBLOCK_CODE'));
      if (!typeId) throw missingParameter('IBLOCK_TYPE_ID');
      if (!code) throw missingParameter('IBLOCK_CODE');
      const fields = asRecord(paramCI(params, 'FIELDS'));
      const name = asString(fields.NAME);
      if (!name) throw missingParameter('FIELDS[NAME]');
      const bizproc = asString(fields.BIZPROC) === 'Y' ? 'Y' : 'N';
      const sort = asInt(fields.SORT);
      const list = addList(ctx.state, {
        timestamp: siteDateTime(ctx.clock.nowMs()),
        typeId,
        code,
        name,
        bizproc,
        ...(asString(fields.DESCRIPTION) === undefined ? {} : { description: asString(fields.DESCRIPTION) as string }),
        ...(sort === undefined ? {} : { sort }),
      });
      return { result: list.ID };
    },
  },
  'lists.get': {
    handler: (params, ctx) => {
      const typeId = asString(paramCI(params, 'IBLOCK_TYPE_ID'));
      if (!typeId) throw missingParameter('IBLOCK_TYPE_ID');
      const id = asInt(paramCI(params, 'IBLOCK_ID'));
      const code = asString(paramCI(params, 'IBLOCK_CODE'));
      const lists = ctx.state.lists
        .filter((list) => list.IBLOCK_TYPE_ID === typeId && (id === undefined || list.ID === id) && (!code || list.CODE === code))
        .sort((a, b) => b.ID - a.ID);
      // "An empty array means that no lists were found"; core answers it without a total.
      if (lists.length === 0) return { result: [] };
      const { page, total, next } = paginate(lists.map(presentList), paramCI(params, 'start'));
      return { result: page, total, next };
    },
  },
  'lists.field.add': {
    handler: (params, ctx) => {
      const list = requireList(ctx.state, params);
      return { result: addListField(ctx.state, list, asRecord(paramCI(params, 'FIELDS'))) };
    },
  },
  'lists.field.get': {
    handler: (params, ctx) => {
      const list = requireList(ctx.state, params);
      const fieldId = asString(paramCI(params, 'FIELD_ID'));
      const properties = propertiesOf(ctx.state, list);
      if (fieldId) {
        // Core Field::get keys a single field by its TYPE (the docs' example shows "L").
        if (fieldId === 'NAME') return { result: { NAME: presentNameField() } };
        const property = properties.find((candidate) => fieldIdOf(candidate) === fieldId);
        return { result: property ? { [property.TYPE]: presentProperty(property) } : [] };
      }
      return { result: { NAME: presentNameField(), ...Object.fromEntries(properties.map((property) => [fieldIdOf(property), presentProperty(property)])) } };
    },
  },
  'lists.element.add': {
    handler: (params, ctx) => {
      const list = requireList(ctx.state, params);
      const code = asString(paramCI(params, 'ELEMENT_CODE'));
      if (!code) throw missingParameter('ELEMENT_CODE');
      const fields = asRecord(paramCI(params, 'FIELDS'));
      requireName(fields);
      if (elementsOf(ctx, list).some((element) => element.CODE === code)) {
        throw restErrors.validation('ERROR_ELEMENT_ALREADY_EXISTS', 'Element already exists');
      }
      validateElementFields(ctx.state, list, fields);
      const stored = elementFields(ctx.state, list, fields);
      const id = ctx.state.nextId('listElement');
      ctx.state.listElements.push({
        ID: id,
        IBLOCK_TYPE_ID: list.IBLOCK_TYPE_ID,
        IBLOCK_ID: String(list.ID),
        CODE: code,
        FIELDS: stored,
        VALUE_IDS: valueIdsFor(ctx.state, stored),
      });
      return { result: id };
    },
  },
  'lists.element.update': {
    handler: (params, ctx) => {
      const list = requireList(ctx.state, params);
      const element = findElement(ctx, list, params);
      const fields = asRecord(paramCI(params, 'FIELDS'));
      if (!asString(fields.NAME)) throw restErrors.validation('ERROR_UPDATE_ELEMENT', 'The field "Name" is required');
      validateElementFields(ctx.state, list, fields);
      // "completely overwrites the element. Fields whose values are not provided will be cleared."
      element.FIELDS = elementFields(ctx.state, list, fields);
      element.VALUE_IDS = valueIdsFor(ctx.state, element.FIELDS);
      return { result: true };
    },
  },
  'lists.element.delete': {
    handler: (params, ctx) => {
      const list = requireList(ctx.state, params);
      const element = findElement(ctx, list, params);
      ctx.state.listElements = ctx.state.listElements.filter((candidate) => candidate !== element);
      return { result: true };
    },
  },
  'lists.element.get': {
    handler: (params, ctx) => {
      const list = requireList(ctx.state, params);
      const id = asInt(paramCI(params, 'ELEMENT_ID'));
      const code = asString(paramCI(params, 'ELEMENT_CODE'));
      const filter = paramCI(params, 'FILTER');
      const matches = elementFilter(ctx.state, list, filter === undefined ? {} : asRecord(filter));
      const elements = elementsOf(ctx, list).filter(
        (element) => (id === undefined || element.ID === id) && (!code || element.CODE === code) && matches(element),
      );
      const order = paramCI(params, 'ELEMENT_ORDER');
      const sorted = sortElements(elements, order === undefined ? {} : asRecord(order));
      if (sorted.length === 0) return { result: [] };
      const { page, total, next } = paginate(sorted.map(presentElement), paramCI(params, 'start'));
      return { result: page, total, next };
    },
  },
};
