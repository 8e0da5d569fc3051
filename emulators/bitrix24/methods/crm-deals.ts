import { CHANGE, restChangeSource } from '../crm-events.js';
import { RestError, restErrors } from '../errors.js';
import { camelToUpper, upperToCamel } from '../field-case.js';
import { acceptedFields, itemView, userFieldsOf } from '../item-fields.js';
import type { MethodTable } from '../method-types.js';
import { asInt, asRecord, paramCI } from '../params.js';

const DEAL = 2;

/** Old-style deal methods: UPPER_CASE fields; their errors carry an empty code and HTTP 400. */
export const crmDealMethods: MethodTable = {
  'crm.deal.get': {
    handler: (params, ctx) => {
      const id = asInt(paramCI(params, 'id'));
      if (!id || id <= 0) throw restErrors.emptyCode('ID is not defined or invalid.');
      const deal = ctx.state.items.get(DEAL, id);
      if (!deal) throw restErrors.emptyCode('Not found');
      // Deal user fields keep the name they were created with (UF_CRM_...), empty ones included.
      const upperNames = new Map(userFieldsOf(ctx.state, DEAL).map((field) => [field.camelName, field.fieldName]));
      const result = Object.fromEntries(
        Object.entries(itemView(ctx.state, deal))
          .filter(([key]) => key !== 'entityTypeId')
          .map(([key, value]) => [upperNames.get(key) ?? camelToUpper(key), typeof value === 'number' ? String(value) : value]),
      );
      return { result };
    },
  },
  'crm.deal.update': {
    handler: (params, ctx) => {
      const id = asInt(paramCI(params, 'id'));
      if (!id || id <= 0) throw restErrors.emptyCode('ID is not defined or invalid.');
      if (!ctx.state.items.get(DEAL, id)) throw restErrors.emptyCode('Not found');
      const fields = asRecord(paramCI(params, 'fields'));
      if (Object.keys(fields).length === 0) throw new RestError(400, '', 'The field FIELDS is not defined or invalid.');
      // A user field the deal does not have is ignored, as crm.item.update ignores unknown fields.
      const changes = acceptedFields(ctx.state, DEAL, Object.fromEntries(Object.entries(fields).map(([key, value]) => [upperToCamel(key.toUpperCase()), value])));
      ctx.state.items.update(DEAL, id, changes, ctx.caller.userId);
      ctx.crmEvents.emit(DEAL, id, CHANGE.update, restChangeSource(ctx));
      return { result: true };
    },
  },
};
