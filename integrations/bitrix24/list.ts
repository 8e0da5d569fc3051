import type { Bitrix24Caller } from './caller.js';
import type { Bitrix24Params } from './client.js';

/** List methods always page by 50 ([EN] settings/how-to-call-rest-api/list-methods-pecularities.md). */
export const LIST_PAGE_SIZE = 50;

export interface ListAllOptions {
  /**
   * Where the rows are inside `result`: undefined for `result` itself (crm.deal.list), `items` (crm.item.list),
   * `productRows` (crm.item.productrow.list), `tasks`, `types`, ...
   */
  rowsKey?: string;
  /** Name of the id field in rows, order and filter: `ID` (default) or `id`. */
  idField?: string;
  /**
   * Fast paging ([EN] settings/performance/huge-data.md): order by id ASC, filter `>id` = last id, `start=-1`.
   * It replaces the caller's `order`. Default true; false pages with `start`/`next`.
   */
  fastPath?: boolean;
  /** Parameter names for filter and order (lists.element.get uses `FILTER` / `ELEMENT_ORDER`). */
  filterParam?: string;
  orderParam?: string;
  signal?: AbortSignal;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rowsOf<T>(result: unknown, rowsKey: string | undefined, method: string): T[] {
  const rows = rowsKey === undefined ? result : isRecord(result) ? result[rowsKey] : undefined;
  if (Array.isArray(rows)) return rows as T[];
  // PHP sends an empty list as [] but an empty keyed array as {} in some methods.
  if (isRecord(rows) && Object.keys(rows).length === 0) return [];
  throw new TypeError(`${method}: no row list at result${rowsKey === undefined ? '' : `.${rowsKey}`}`);
}

/** Reads every row of a list method, 50 per call. */
export async function listAll<T = Record<string, unknown>>(
  client: Bitrix24Caller,
  memberId: string,
  method: string,
  params: Bitrix24Params = {},
  opts: ListAllOptions = {},
): Promise<T[]> {
  return opts.fastPath === false
    ? listByStart<T>(client, memberId, method, params, opts)
    : listById<T>(client, memberId, method, params, opts);
}

async function listById<T>(
  client: Bitrix24Caller,
  memberId: string,
  method: string,
  params: Bitrix24Params,
  opts: ListAllOptions,
): Promise<T[]> {
  const idField = opts.idField ?? 'ID';
  const filterParam = opts.filterParam ?? 'filter';
  const orderParam = opts.orderParam ?? 'order';
  const callerFilter = isRecord(params[filterParam]) ? params[filterParam] : {};
  const all: T[] = [];
  let lastId: unknown = 0;
  for (;;) {
    const page = await client.call<unknown>(
      memberId,
      method,
      {
        ...params,
        [orderParam]: { [idField]: 'ASC' },
        [filterParam]: { ...callerFilter, [`>${idField}`]: lastId },
        start: -1,
      },
      { signal: opts.signal },
    );
    const rows = rowsOf<T>(page, opts.rowsKey, method);
    all.push(...rows);
    if (rows.length < LIST_PAGE_SIZE) return all;
    const last = rows[rows.length - 1] as Record<string, unknown>;
    lastId = last[idField];
    if (lastId === undefined) throw new TypeError(`${method}: rows have no ${idField} field for fast paging`);
  }
}

async function listByStart<T>(
  client: Bitrix24Caller,
  memberId: string,
  method: string,
  params: Bitrix24Params,
  opts: ListAllOptions,
): Promise<T[]> {
  const all: T[] = [];
  let start = 0;
  for (;;) {
    const page = await client.callRaw<unknown>(memberId, method, { ...params, start }, { signal: opts.signal });
    all.push(...rowsOf<T>(page.result, opts.rowsKey, method));
    if (page.next === undefined || page.next <= start) return all;
    start = page.next;
  }
}
