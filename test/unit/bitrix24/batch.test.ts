import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batch, buildBatchCommand, type BatchCommand } from '../../../integrations/bitrix24/batch.js';
import { createBitrix24Client, type Bitrix24Client } from '../../../integrations/bitrix24/client.js';
import { createMemoryPortalStore } from '../../support/memory-portal-store.js';
import { portalCredentials } from './support/portal-fixture.js';
import { answerBatch, type SubCall } from './support/stub-methods.js';
import { methodOf, ok, startStubPortal, type StubPortal } from './support/stub-portal.js';

/** crm.item.get answers its id; ids divisible by 7 do not exist. */
const execute: SubCall = (method, params) => {
  if (method === 'user.current') return { result: [] };
  const id = Number(params.id);
  if (method !== 'crm.item.get') return { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' };
  if (id % 7 === 0) return { error: 'NOT_FOUND', error_description: `Item ${id} not found` };
  return { result: { item: { id, entityTypeId: Number(params.entityTypeId), filter: params.filter ?? null } } };
};

let portal: StubPortal;
let client: Bitrix24Client;

beforeAll(async () => {
  portal = await startStubPortal((request) =>
    methodOf(request) === 'batch' ? answerBatch(request.body, execute) : ok(null),
  );
  client = createBitrix24Client({ store: createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]) });
});
afterAll(async () => {
  await client.close();
  await portal.close();
});
beforeEach(() => {
  portal.requests.length = 0;
});

function itemGets(count: number): Record<string, BatchCommand> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, index) => [
      `item_${index + 1}`,
      { method: 'crm.item.get', params: { entityTypeId: 2, id: index + 1 } },
    ]),
  );
}

describe('batch', () => {
  it('builds cmd strings with PHP brackets', () => {
    const params = { entityTypeId: 2, filter: { '>id': 5 }, select: ['id', 'title'] };
    expect(buildBatchCommand({ method: 'crm.item.list', params })).toBe(
      'crm.item.list?entityTypeId=2&filter%5B%3Eid%5D=5&select%5B0%5D=id&select%5B1%5D=title',
    );
    expect(buildBatchCommand({ method: 'user.current' })).toBe('user.current');
  });

  it('sends 120 commands as 3 chunks and maps results and errors back to the caller keys', async () => {
    const outcome = await batch(client, 'member-1', itemGets(120));

    expect(portal.requests).toHaveLength(3);
    expect(portal.requests.map((request) => Object.keys(request.body.cmd as object).length)).toEqual([50, 50, 20]);
    const expectedErrors = Array.from({ length: 17 }, (_, index) => `item_${(index + 1) * 7}`);
    expect(Object.keys(outcome.errors).sort()).toEqual(expectedErrors.sort());
    expect(outcome.errors.item_119).toEqual({ error: 'NOT_FOUND', error_description: 'Item 119 not found' });
    expect(Object.keys(outcome.results)).toHaveLength(120 - 17);
    expect(outcome.results.item_120).toEqual({ item: { id: 120, entityTypeId: 2, filter: null } });
    expect(outcome.results.item_51).toEqual({ item: { id: 51, entityTypeId: 2, filter: null } });
    expect(outcome.notSent).toEqual([]);
  });

  it('passes nested params through qs so Bitrix24 parses them back', async () => {
    const outcome = await batch(client, 'member-1', {
      nested: {
        method: 'crm.item.get',
        params: { entityTypeId: 2, id: 3, filter: { '=stageId': 'NEW', '@id': [1, 2] } },
      },
    });
    expect(outcome.results.nested).toEqual({
      item: { id: 3, entityTypeId: 2, filter: { '=stageId': 'NEW', '@id': ['1', '2'] } },
    });
  });

  it('reads PHP empty arrays ([]) as empty groups', async () => {
    const outcome = await batch(client, 'member-1', { a: { method: 'crm.item.get', params: { id: 1 } } });
    expect(outcome.errors).toEqual({});
    expect(outcome.totals).toEqual({});
    expect(Object.keys(outcome.results)).toEqual(['a']);
  });

  it('with halt stops inside the failing chunk and sends no later chunk', async () => {
    const outcome = await batch(client, 'member-1', itemGets(120), { halt: true });
    expect(portal.requests).toHaveLength(1);
    expect(portal.requests[0]?.body.halt).toBe(1);
    expect(Object.keys(outcome.results)).toEqual(['item_1', 'item_2', 'item_3', 'item_4', 'item_5', 'item_6']);
    expect(Object.keys(outcome.errors)).toEqual(['item_7']);
    expect(outcome.notSent).toHaveLength(70);
    expect(outcome.notSent[0]).toBe('item_51');
  });

  it('sends nothing for no commands', async () => {
    await expect(batch(client, 'member-1', {})).resolves.toMatchObject({ results: {}, errors: {} });
    expect(portal.requests).toHaveLength(0);
  });
});
