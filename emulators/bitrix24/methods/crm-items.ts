import { CHANGE, restChangeSource } from '../crm-events.js';
import { matchesFilter, sortRows } from '../crm-filter.js';
import type { CrmItem } from '../crm-store.js';
import { restErrors } from '../errors.js';
import { camelToUpper, upperToCamel } from '../field-case.js';
import { acceptedFields, itemView, userFieldsOf } from '../item-fields.js';
import { paginate, type MethodContext, type MethodTable } from '../method-types.js';
import { asInt, asRecord, isYes, type Params } from '../params.js';
import { productOwnerType } from '../state.js';

const LEGACY_INVOICE = 5;

/** Form bodies carry strings; ids and money come back as numbers on a real portal. */
function normalize(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => {
      if (typeof value === 'string' && /^\d+$/.test(value) && /(Id|By|Id\d+)$/.test(key)) return [key, Number(value)];
      if (key === 'opportunity' && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return [key, Number(value)];
      return [key, value];
    }),
  );
}

export function entityTypeOf(params: Params, ctx: MethodContext): number {
  const entityTypeId = asInt(params.entityTypeId);
  if (entityTypeId === undefined) throw restErrors.invalidArg('entityTypeId is required');
  if (entityTypeId === LEGACY_INVOICE) throw restErrors.validation('ENTITY_TYPE_NOT_SUPPORTED', 'Entity type 5 is not supported');
  if (!ctx.state.isKnownEntityType(entityTypeId)) throw restErrors.notFound('Smart process not found');
  return entityTypeId;
}

/** The write's fields in camelCase, without those the type does not have ("An incorrect field in `fields` will be ignored"). */
function incomingFields(params: Params, ctx: MethodContext, entityTypeId: number): Record<string, unknown> {
  const fields = asRecord(params.fields);
  const original = isYes(params.useOriginalUfNames);
  const camel = Object.fromEntries(Object.entries(fields).map(([key, value]) => [original || /^[A-Z_0-9]+$/.test(key) ? upperToCamel(key) : key, value]));
  return normalize(acceptedFields(ctx.state, entityTypeId, camel));
}

function present(item: CrmItem, params: Params, ctx: MethodContext): Record<string, unknown> {
  const view = itemView(ctx.state, item);
  const select = Array.isArray(params.select) ? params.select.map(String) : [];
  const picked =
    select.length === 0 || select.includes('*')
      ? view
      : Object.fromEntries(Object.entries(view).filter(([key]) => key === 'id' || select.some((wanted) => wanted.toLowerCase() === key.toLowerCase())));
  if (!isYes(params.useOriginalUfNames)) return picked;
  const upperNames = new Map(userFieldsOf(ctx.state, item.entityTypeId).map((field) => [field.camelName, field.fieldName]));
  return Object.fromEntries(Object.entries(picked).map(([key, value]) => [key.startsWith('ufCrm') ? (upperNames.get(key) ?? camelToUpper(key)) : key, value]));
}

function requireItem(ctx: MethodContext, entityTypeId: number, params: Params): CrmItem {
  const id = asInt(params.id);
  if (id === undefined) throw restErrors.invalidArg('id is required');
  const item = ctx.state.items.get(entityTypeId, id);
  if (!item) throw restErrors.notFound('Item not found');
  return item;
}


export const crmItemMethods: MethodTable = {
  'crm.item.add': {
    handler: (params, ctx) => {
      const entityTypeId = entityTypeOf(params, ctx);
      const item = ctx.state.items.add(entityTypeId, incomingFields(params, ctx, entityTypeId), ctx.caller.userId);
      ctx.crmEvents.emit(entityTypeId, item.id, CHANGE.add, restChangeSource(ctx));
      return { result: { item: present(item, params, ctx) } };
    },
  },
  'crm.item.get': {
    handler: (params, ctx) => ({ result: { item: present(requireItem(ctx, entityTypeOf(params, ctx), params), params, ctx) } }),
  },
  'crm.item.update': {
    handler: (params, ctx) => {
      const entityTypeId = entityTypeOf(params, ctx);
      const item = requireItem(ctx, entityTypeId, params);
      ctx.state.items.update(entityTypeId, item.id, incomingFields(params, ctx, entityTypeId), ctx.caller.userId);
      ctx.crmEvents.emit(entityTypeId, item.id, CHANGE.update, restChangeSource(ctx));
      return { result: { item: present(item, params, ctx) } };
    },
  },
  'crm.item.delete': {
    handler: (params, ctx) => {
      const entityTypeId = entityTypeOf(params, ctx);
      const item = requireItem(ctx, entityTypeId, params);
      ctx.state.items.delete(entityTypeId, item.id);
      // Bitrix24 deletes an item's product rows with it; a late reader finds none.
      ctx.state.productRows.delete(`${productOwnerType(entityTypeId)}:${item.id}`);
      ctx.crmEvents.emit(entityTypeId, item.id, CHANGE.delete, restChangeSource(ctx));
      return { result: [] };
    },
  },
  'crm.item.list': {
    handler: (params, ctx) => {
      const entityTypeId = entityTypeOf(params, ctx);
      const filter = asRecord(params.filter);
      const order = params.order === undefined ? { id: 'ASC' } : asRecord(params.order);
      const rows = sortRows(ctx.state.items.all(entityTypeId).filter((item) => matchesFilter(item, filter)), order);
      const { page, total, next } = paginate(rows, params.start);
      return { result: { items: page.map((item) => present(item, params, ctx)) }, total, next };
    },
  },
};
