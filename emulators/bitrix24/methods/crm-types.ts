import { matchesFilter, sortRows } from '../crm-filter.js';
import { restErrors } from '../errors.js';
import { paginate, type MethodTable } from '../method-types.js';
import { asInt, asRecord, asString } from '../params.js';

function validEntityTypeId(entityTypeId: number): boolean {
  return (entityTypeId >= 128 && entityTypeId <= 192) || (entityTypeId >= 1030 && entityTypeId % 2 === 0);
}

/**
 * Types are answered with their whole documented field set (crm-type-add.md answer; state.addCrmType builds it). An
 * unknown type is `"error": 0` (crm-type-get.md, crm-type-get-by-entity-type-id.md: the example prints the number).
 */
export const crmTypeMethods: MethodTable = {
  'crm.type.add': {
    handler: (params, ctx) => {
      const fields = asRecord(params.fields);
      const title = asString(fields.title);
      if (!title) throw restErrors.invalidArg('title is required');
      const entityTypeId = asInt(fields.entityTypeId);
      if (entityTypeId !== undefined && !validEntityTypeId(entityTypeId)) {
        throw restErrors.invalidArg('entityTypeId must be between 128 and 192 or an even number from 1030');
      }
      if (entityTypeId !== undefined && ctx.state.isKnownEntityType(entityTypeId)) {
        throw restErrors.invalidArg(`Type with entityTypeId ${entityTypeId} already exists`);
      }
      const { entityTypeId: _given, ...rest } = fields;
      const type = ctx.state.addCrmType({ ...rest, title, ...(entityTypeId === undefined ? {} : { entityTypeId }) }, ctx.caller.userId);
      return { result: { type } };
    },
  },
  'crm.type.list': {
    handler: (params, ctx) => {
      const rows = ctx.state.crmTypes.filter((type) => matchesFilter(type, asRecord(params.filter)));
      const order = params.order === undefined ? { id: 'ASC' } : asRecord(params.order);
      const { page, total, next } = paginate(sortRows(rows, order), params.start);
      return { result: { types: page }, total, next };
    },
  },
  'crm.type.get': {
    handler: (params, ctx) => {
      const type = ctx.state.crmTypes.find((candidate) => candidate.id === asInt(params.id));
      if (!type) throw restErrors.noCode('SPA not found');
      return { result: { type } };
    },
  },
  'crm.type.getbyentitytypeid': {
    handler: (params, ctx) => {
      const type = ctx.state.crmTypes.find((candidate) => candidate.entityTypeId === asInt(params.entityTypeId));
      if (!type) throw restErrors.noCode('Smart process not found');
      return { result: { type } };
    },
  },
};
