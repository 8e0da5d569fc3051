import { CHANGE, restChangeSource } from '../crm-events.js';
import { RestError, restErrors } from '../errors.js';
import { camelToUpper, upperToCamel } from '../field-case.js';
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
      const result = Object.fromEntries(
        Object.entries(deal)
          .filter(([key]) => key !== 'entityTypeId')
          .map(([key, value]) => [camelToUpper(key), typeof value === 'number' ? String(value) : value]),
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
      const changes = Object.fromEntries(Object.entries(fields).map(([key, value]) => [upperToCamel(key.toUpperCase()), value]));
      ctx.state.items.update(DEAL, id, changes, ctx.caller.userId);
      ctx.crmEvents.emit(DEAL, id, CHANGE.update, restChangeSource(ctx));
      return { result: true };
    },
  },
};
