import { matchesFilter, sortRows } from '../crm-filter.js';
import { restErrors } from '../errors.js';
import { paginate, type MethodContext, type MethodTable } from '../method-types.js';
import { asInt, asRecord, asString, paramCI, type Params } from '../params.js';
import type { ListElement } from '../state.js';

const missing = (name: string) => restErrors.validation('ERROR_REQUIRED_PARAMETERS_MISSING', `Required parameter "${name}" is missing`);

function listOf(params: Params): { typeId: string; iblock: string } {
  const typeId = asString(paramCI(params, 'IBLOCK_TYPE_ID'));
  if (!typeId) throw missing('IBLOCK_TYPE_ID');
  const iblock = asString(paramCI(params, 'IBLOCK_ID')) ?? asString(paramCI(params, 'IBLOCK_CODE'));
  if (!iblock) throw missing('IBLOCK_ID');
  return { typeId, iblock };
}

function elementsOf(ctx: MethodContext, list: { typeId: string; iblock: string }): ListElement[] {
  return ctx.state.listElements.filter((element) => element.IBLOCK_TYPE_ID === list.typeId && element.IBLOCK_ID === list.iblock);
}

function findElement(ctx: MethodContext, params: Params): ListElement {
  const elements = elementsOf(ctx, listOf(params));
  const id = asInt(paramCI(params, 'ELEMENT_ID'));
  const code = asString(paramCI(params, 'ELEMENT_CODE'));
  if (id === undefined && !code) throw missing('ELEMENT_ID');
  const element = elements.find((candidate) => (id !== undefined ? candidate.ID === id : candidate.CODE === code));
  if (!element) throw restErrors.validation('ERROR_ELEMENT_NOT_FOUND', 'Element not found');
  return element;
}

function requireFields(params: Params): Record<string, unknown> {
  const fields = asRecord(paramCI(params, 'FIELDS'));
  if (!asString(fields.NAME)) throw missing('FIELDS[NAME]');
  return fields;
}

/** Property values come back keyed by a value id (`PROPERTY_61: {"1483": "text"}`), as lists.element.get does. */
function present(element: ListElement): Record<string, unknown> {
  const row: Record<string, unknown> = { ID: String(element.ID), IBLOCK_ID: element.IBLOCK_ID, CODE: element.CODE };
  for (const [key, value] of Object.entries(element.FIELDS)) {
    if (!key.startsWith('PROPERTY_')) row[key] = value;
    else {
      const values = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? Object.values(value) : [value];
      row[key] = Object.fromEntries(values.map((entry, index) => [String(element.ID * 1000 + index), entry]));
    }
  }
  return row;
}

export const listMethods: MethodTable = {
  'lists.element.add': {
    handler: (params, ctx) => {
      const list = listOf(params);
      const code = asString(paramCI(params, 'ELEMENT_CODE'));
      if (!code) throw missing('ELEMENT_CODE');
      const fields = requireFields(params);
      if (elementsOf(ctx, list).some((element) => element.CODE === code)) {
        throw restErrors.validation('ERROR_ELEMENT_ALREADY_EXISTS', 'Element with this code already exists');
      }
      const id = ctx.state.nextId('listElement');
      ctx.state.listElements.push({ ID: id, IBLOCK_TYPE_ID: list.typeId, IBLOCK_ID: list.iblock, CODE: code, FIELDS: fields });
      return { result: id };
    },
  },
  'lists.element.update': {
    handler: (params, ctx) => {
      const element = findElement(ctx, params);
      // Bitrix24 overwrites the whole element: fields left out are cleared.
      element.FIELDS = requireFields(params);
      return { result: true };
    },
  },
  'lists.element.delete': {
    handler: (params, ctx) => {
      const element = findElement(ctx, params);
      ctx.state.listElements = ctx.state.listElements.filter((candidate) => candidate !== element);
      return { result: true };
    },
  },
  'lists.element.get': {
    handler: (params, ctx) => {
      const hasElement = paramCI(params, 'ELEMENT_ID') !== undefined || paramCI(params, 'ELEMENT_CODE') !== undefined;
      const elements = hasElement ? [findElement(ctx, params)] : elementsOf(ctx, listOf(params));
      const rows = elements.map(present).filter((row) => matchesFilter(row, asRecord(paramCI(params, 'FILTER'))));
      const order = paramCI(params, 'ELEMENT_ORDER') === undefined ? { ID: 'ASC' } : asRecord(paramCI(params, 'ELEMENT_ORDER'));
      const { page, total, next } = paginate(sortRows(rows, order), paramCI(params, 'start'));
      return { result: page, total, next };
    },
  },
};
