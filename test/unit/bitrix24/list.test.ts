import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBitrix24Client, type Bitrix24Client } from '../../../integrations/bitrix24/client.js';
import { listAll } from '../../../integrations/bitrix24/list.js';
import { createMemoryPortalStore } from '../../support/memory-portal-store.js';
import { portalCredentials } from './support/portal-fixture.js';
import { fail, methodOf, ok, startStubPortal, type StubPortal, type StubRequest } from './support/stub-portal.js';

const ROWS = Array.from({ length: 120 }, (_, index) => ({ ID: String(index + 1), TITLE: `Deal ${index + 1}` }));
const ITEMS = ROWS.map((row) => ({ id: Number(row.ID), title: row.TITLE }));

/** Pages like Bitrix24: 50 per page, `>ID` filter, ascending order, `start=-1` skips the COUNT (no total/next). */
function answerList(request: StubRequest) {
  const body = request.body;
  const isItems = methodOf(request) === 'crm.item.list';
  const idField = isItems ? 'id' : 'ID';
  const all: Array<Record<string, unknown>> = isItems ? ITEMS : ROWS;
  const filter = (body.filter ?? {}) as Record<string, unknown>;
  const after = Number(filter[`>${idField}`] ?? 0);
  const order = (body.order ?? {}) as Record<string, string>;
  if (body.start === -1 && order[idField] !== 'ASC') {
    return fail(400, 'INVALID_ARG_VALUE', 'fast path needs order by id');
  }
  const upTo = Number(filter[`<=${idField}`] ?? Infinity);
  const matching = all.filter((row) => Number(row[idField]) > after && Number(row[idField]) <= upTo);
  const start = body.start === -1 ? 0 : Number(body.start ?? 0);
  const page = matching.slice(start, start + 50);
  const rows = isItems ? { items: page } : page;
  if (body.start === -1) return ok(rows);
  const next = start + 50 < matching.length ? { next: start + 50 } : {};
  return ok(rows, { total: matching.length, ...next });
}

let portal: StubPortal;
let client: Bitrix24Client;

beforeAll(async () => {
  portal = await startStubPortal(answerList);
  client = createBitrix24Client({ store: createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]) });
});
afterAll(async () => {
  await client.close();
  await portal.close();
});
beforeEach(() => {
  portal.requests.length = 0;
});

describe('listAll', () => {
  it('fast path reads 120 rows in 3 calls, ordered by ID with a >ID filter and start=-1', async () => {
    const params = { filter: { CATEGORY_ID: 0 }, select: ['ID', 'TITLE'] };
    const rows = await listAll(client, 'member-1', 'crm.deal.list', params);
    expect(rows).toEqual(ROWS);
    expect(portal.requests).toHaveLength(3);
    expect(portal.requests.map((request) => request.body.filter)).toEqual([
      { CATEGORY_ID: 0, '>ID': 0 },
      { CATEGORY_ID: 0, '>ID': '50' },
      { CATEGORY_ID: 0, '>ID': '100' },
    ]);
    expect(portal.requests.every((request) => request.body.start === -1)).toBe(true);
  });

  it('reads rows under result.items with the lower-case id field', async () => {
    const options = { rowsKey: 'items', idField: 'id' };
    const items = await listAll(client, 'member-1', 'crm.item.list', { entityTypeId: 2 }, options);
    expect(items).toEqual(ITEMS);
    expect(portal.requests).toHaveLength(3);
    expect(portal.requests[2]?.body).toMatchObject({ entityTypeId: 2, order: { id: 'ASC' }, filter: { '>id': 100 } });
  });

  it('stops after a short page: 30 rows take 1 call, exactly 50 take a confirming second call', async () => {
    await expect(listAll(client, 'member-1', 'crm.deal.list', { filter: { '<=ID': 30 } })).resolves.toHaveLength(30);
    expect(portal.requests).toHaveLength(1);
    portal.requests.length = 0;
    await expect(listAll(client, 'member-1', 'crm.deal.list', { filter: { '<=ID': 50 } })).resolves.toHaveLength(50);
    expect(portal.requests).toHaveLength(2);
  });

  it('falls back to start/next paging', async () => {
    const rows = await listAll(client, 'member-1', 'crm.deal.list', {}, { fastPath: false });
    expect(rows).toEqual(ROWS);
    expect(portal.requests.map((request) => request.body.start)).toEqual([0, 50, 100]);
  });
});
