import { paginate, type MethodTable } from '../method-types.js';
import { asString, paramCI } from '../params.js';

const FILTER_KEYS = ['ID', 'NAME', 'SORT', 'PARENT', 'UF_HEAD'] as const;

export const departmentMethods: MethodTable = {
  'department.get': {
    handler: (params, ctx) => {
      const departments = ctx.state.departments.filter((department) =>
        FILTER_KEYS.every((key) => {
          const expected = paramCI(params, key);
          if (expected === undefined) return true;
          const wanted = (Array.isArray(expected) ? expected : [expected]).map((value) => asString(value));
          return wanted.includes(asString(department[key]));
        }),
      );
      const sortKey = (asString(paramCI(params, 'sort')) ?? 'ID').toUpperCase() as (typeof FILTER_KEYS)[number];
      const descending = (asString(paramCI(params, 'order')) ?? 'ASC').toUpperCase() === 'DESC';
      const sorted = [...departments].sort((left, right) => {
        const a = left[sortKey] ?? '';
        const b = right[sortKey] ?? '';
        const order = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), 'en', { numeric: true });
        return descending ? -order : order;
      });
      const { page, total, next } = paginate(sorted, paramCI(params, 'START'));
      return { result: page, total, next };
    },
  },
};
