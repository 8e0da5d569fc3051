import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { callRest, installForTokens } from './helpers.js';

/** Universal lists as b24restdocs api-reference/lists/ documents them (cited per behaviour in the emulator README). */
describe('Bitrix24 emulator: universal lists', () => {
  let emulator: Bitrix24Emulator;
  let call: (method: string, params?: Record<string, unknown>) => ReturnType<typeof callRest>;
  beforeAll(async () => {
    emulator = await startBitrix24Emulator({ rateLimit: false });
  });
  beforeEach(async () => {
    emulator.reset();
    const { accessToken } = await installForTokens(emulator);
    call = (method, params = {}) => callRest(emulator.clientEndpoint, method, { ...params, auth: accessToken });
  });
  afterAll(async () => emulator.close());

  async function createList(code = 'shipments'): Promise<number> {
    const answer = await call('lists.add', { IBLOCK_TYPE_ID: 'lists', IBLOCK_CODE: code, FIELDS: { NAME: 'Shipments' } });
    expect(answer.status).toBe(200);
    return Number(answer.body.result);
  }

  it('has no list before lists.add: element and field calls answer ERROR_IBLOCK_NOT_FOUND', async () => {
    const list = { IBLOCK_TYPE_ID: 'lists', IBLOCK_ID: 42 };
    expect(await call('lists.element.add', { ...list, ELEMENT_CODE: 'x', FIELDS: { NAME: 'x' } })).toMatchObject({
      status: 400,
      body: { error: 'ERROR_IBLOCK_NOT_FOUND', error_description: 'Iblock not found' },
    });
    expect((await call('lists.element.get', list)).body).toMatchObject({ error: 'ERROR_IBLOCK_NOT_FOUND' });
    expect((await call('lists.field.get', list)).body).toMatchObject({ error: 'ERROR_IBLOCK_NOT_FOUND' });
    expect((await call('lists.get', { IBLOCK_TYPE_ID: 'lists', IBLOCK_CODE: 'shipments' })).body.result).toEqual([]);
  });

  it('creates a list with lists.add, refuses a second one with the same code, and finds it with lists.get', async () => {
    const id = await createList();
    expect(Number.isInteger(id)).toBe(true);
    expect(await call('lists.add', { IBLOCK_TYPE_ID: 'lists', IBLOCK_CODE: 'shipments', FIELDS: { NAME: 'Again' } })).toMatchObject({
      status: 400,
      body: { error: 'ERROR_IBLOCK_ALREADY_EXISTS' },
    });
    expect((await call('lists.add', { IBLOCK_TYPE_ID: 'lists', IBLOCK_CODE: 'other' })).body).toMatchObject({ error: 'ERROR_REQUIRED_PARAMETERS_MISSING' });
    const found = await call('lists.get', { IBLOCK_TYPE_ID: 'lists', IBLOCK_CODE: 'shipments' });
    expect(found.body).toMatchObject({ result: [{ ID: String(id), CODE: 'shipments', NAME: 'Shipments', IBLOCK_TYPE_ID: 'lists' }], total: 1 });
    expect((await call('lists.get', { IBLOCK_TYPE_ID: 'lists', IBLOCK_ID: id })).body.result).toHaveLength(1);
  });

  it('adds fields as PROPERTY_<id> and lists them keyed by FIELD_ID, NAME included', async () => {
    const id = await createList();
    const list = { IBLOCK_TYPE_ID: 'lists', IBLOCK_ID: id };
    const dealId = (await call('lists.field.add', { ...list, FIELDS: { NAME: 'Deal', TYPE: 'N', CODE: 'DEAL_ID' } })).body.result;
    expect(dealId).toMatch(/^PROPERTY_\d+$/);
    // The list can be named by its code as well.
    const unit = (await call('lists.field.add', { IBLOCK_TYPE_ID: 'lists', IBLOCK_CODE: 'shipments', FIELDS: { NAME: 'Unit', TYPE: 'S', CODE: 'UNIT' } })).body.result;
    expect(await call('lists.field.add', { ...list, FIELDS: { NAME: 'Again', TYPE: 'S', CODE: 'UNIT' } })).toMatchObject({
      status: 400,
      body: { error: 'ERROR_SAVE_FIELD', error_description: 'Property already exists' },
    });
    expect((await call('lists.field.add', { ...list, FIELDS: { NAME: 'No code', TYPE: 'S' } })).body).toMatchObject({
      error: 'ERROR_SAVE_FIELD',
      error_description: 'Please fill the code fields',
    });

    const fields = (await call('lists.field.get', list)).body.result as Record<string, Record<string, unknown>>;
    expect(Object.keys(fields)).toEqual(['NAME', dealId, unit]);
    expect(fields[String(dealId)]).toMatchObject({ FIELD_ID: dealId, CODE: 'DEAL_ID', TYPE: 'N', ID: String(dealId).slice('PROPERTY_'.length) });
    const single = (await call('lists.field.get', { ...list, FIELD_ID: unit })).body.result as Record<string, Record<string, unknown>>;
    expect(single).toEqual({ S: expect.objectContaining({ FIELD_ID: unit, CODE: 'UNIT' }) });
  });

  it('stores only the list fields, answers properties as {valueId: value}, filters by property and refuses CODE as a filter', async () => {
    const id = await createList();
    const list = { IBLOCK_TYPE_ID: 'lists', IBLOCK_ID: id };
    const deal = String((await call('lists.field.add', { ...list, FIELDS: { NAME: 'Deal', TYPE: 'N', CODE: 'DEAL_ID' } })).body.result);
    const price = String((await call('lists.field.add', { ...list, FIELDS: { NAME: 'Price', TYPE: 'N', CODE: 'PRICE' } })).body.result);
    const unit = String((await call('lists.field.add', { ...list, FIELDS: { NAME: 'Unit', TYPE: 'S', CODE: 'UNIT' } })).body.result);

    const added = await call('lists.element.add', {
      ...list,
      ELEMENT_CODE: 'deal-7-row-1',
      // A code-named key is no field of the list: dropped, as core Element::getElementFields walks the list's fields.
      FIELDS: { NAME: 'Pump', [deal]: 7, [price]: '2,50', [unit]: 'pcs', PROPERTY_DEAL_ID: 99, PROPERTY_999: 'x' },
    });
    expect(added.status).toBe(200);
    await call('lists.element.add', { ...list, ELEMENT_CODE: 'deal-8-row-1', FIELDS: { NAME: 'Other', [deal]: 8 } });
    const stored = emulator.state.listElements.find((element) => element.CODE === 'deal-7-row-1');
    expect(stored?.FIELDS).toEqual({ NAME: 'Pump', [deal]: '7', [price]: '2.5', [unit]: 'pcs' });

    const got = await call('lists.element.get', { ...list, FILTER: { [`=${deal}`]: 7 } });
    const rows = got.body.result as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ CODE: 'deal-7-row-1', NAME: 'Pump' });
    for (const property of [deal, price, unit]) {
      const value = rows[0]?.[property] as Record<string, string>;
      expect(Object.keys(value)).toHaveLength(1);
      expect(Object.keys(value)[0]).toMatch(/^\d+$/);
    }
    expect(Object.values(rows[0]?.[price] as object)).toEqual(['2.5']);
    // The property's code works as a filter field too (core getAvailableFields), its bare name never.
    expect((await call('lists.element.get', { ...list, FILTER: { '=PROPERTY_DEAL_ID': 8 } })).body.result).toMatchObject([{ CODE: 'deal-8-row-1' }]);
    expect(await call('lists.element.get', { ...list, FILTER: { '%CODE': 'deal-7-' } })).toMatchObject({
      status: 400,
      body: { error: 'ERROR_ARGUMENT', error_description: 'Filter field not allowed: CODE' },
    });
    expect((await call('lists.element.get', { ...list, FILTER: { [`=${deal}`]: 123 } })).body.result).toEqual([]);
  });

  it('replaces the whole element on update: a field left out is cleared', async () => {
    const id = await createList();
    const list = { IBLOCK_TYPE_ID: 'lists', IBLOCK_ID: id };
    const price = String((await call('lists.field.add', { ...list, FIELDS: { NAME: 'Price', TYPE: 'N', CODE: 'PRICE' } })).body.result);
    const unit = String((await call('lists.field.add', { ...list, FIELDS: { NAME: 'Unit', TYPE: 'S', CODE: 'UNIT' } })).body.result);
    const elementId = (await call('lists.element.add', { ...list, ELEMENT_CODE: 'e', FIELDS: { NAME: 'Pump', [price]: 10, [unit]: 'pcs' } })).body.result;

    expect((await call('lists.element.update', { ...list, ELEMENT_ID: elementId, FIELDS: { NAME: 'Pump', [price]: 12 } })).body.result).toBe(true);
    const [row] = (await call('lists.element.get', { ...list, ELEMENT_ID: elementId })).body.result as Record<string, unknown>[];
    expect(Object.values(row?.[price] as object)).toEqual(['12']);
    expect(row).not.toHaveProperty(unit);
    expect((await call('lists.element.update', { ...list, ELEMENT_ID: 999, FIELDS: { NAME: 'x' } })).body).toMatchObject({ error: 'ERROR_ELEMENT_NOT_FOUND' });
    expect((await call('lists.element.add', { ...list, ELEMENT_CODE: 'bad', FIELDS: { NAME: 'x', [price]: 'ten' } })).body).toMatchObject({
      error: 'ERROR_ELEMENT_FIELD_VALUE',
    });
  });
});
