import { matchesFilter, sortRows } from '../crm-filter.js';
import { restErrors } from '../errors.js';
import { paginate, type MethodTable } from '../method-types.js';
import { asInt, asRecord, asString } from '../params.js';
import type { ProductRow } from '../state.js';

export const productRowMethods: MethodTable = {
  'crm.item.productrow.list': {
    handler: (params, ctx) => {
      const filter = asRecord(params.filter);
      const ownerType = asString(filter['=ownerType']);
      const ownerId = asInt(filter['=ownerId']);
      if (!ownerType || ownerId === undefined) throw restErrors.invalidArg('Filter must contain =ownerType and =ownerId');
      const rows = ctx.state.getProductRows(ownerType, ownerId) as unknown as Record<string, unknown>[];
      const order = params.order === undefined ? { id: 'ASC' } : asRecord(params.order);
      const sorted = sortRows(rows.filter((row) => matchesFilter(row, filter)), order);
      const { page, total, next } = paginate(sorted, params.start);
      return { result: { productRows: page }, total, next };
    },
  },
  'crm.item.productrow.set': {
    handler: (params, ctx) => {
      const ownerType = asString(params.ownerType);
      const ownerId = asInt(params.ownerId);
      if (!ownerType || ownerId === undefined) throw restErrors.invalidArg('ownerType and ownerId are required');
      const rows = Object.values(asRecord(params.productRows)).map((row) => {
        const fields = asRecord(row);
        const numeric = (key: string) => (fields[key] === undefined ? {} : { [key]: Number(fields[key]) });
        return { ...fields, ...numeric('price'), ...numeric('quantity'), ...numeric('productId') } as Partial<ProductRow>;
      });
      return { result: { productRows: ctx.state.setProductRows(ownerType, ownerId, rows) } };
    },
  },
};
