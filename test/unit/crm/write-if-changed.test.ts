import { describe, expect, it } from 'vitest';
import { AUTH_CONNECTOR } from '../../../contracts/bitrix24-app.js';
import { createAuthConnectorSource } from '../../../activities/crm/auth-connector.js';
import { changedFields, sameFieldValue, writeItemIfChanged } from '../../../activities/crm/write-if-changed.js';
import { recordingBitrix24 } from '../../support/recording-bitrix24.js';

describe('sameFieldValue', () => {
  it.each([
    ['5', 5],
    [5, '5.0'],
    ['', null],
    [undefined, ''],
    [[], null],
    ['Y', true],
    ['N', false],
    [[1, '2'], ['1', 2]],
    [{ b: '1', a: 2 }, { a: '2', b: 1 }],
  ])('%j equals %j', (current, desired) => {
    expect(sameFieldValue(current, desired)).toBe(true);
  });

  it.each([
    ['007', '7'],
    ['CL-2026-0001', 'CL-2026-0002'],
    [5, 6],
    [null, 0],
    [[1, 2], [2, 1]],
    ['', 'x'],
  ])('%j differs from %j', (current, desired) => {
    expect(sameFieldValue(current, desired)).toBe(false);
  });

  it('finds fields whatever their case in the answer', () => {
    expect(changedFields({ ufCrm5_Number: 'CL-1', title: 'a' }, { ufcrm5_number: 'CL-1', title: 'b' })).toEqual({ title: 'b' });
  });
});

describe('writeItemIfChanged', () => {
  const item = { id: 5, title: 'Claim', opportunity: '150', parentId2: 0 };

  /** A portal whose plan has rest_auth_connector, as provisioning recorded it. */
  const withConnector = (bitrix24: ReturnType<typeof recordingBitrix24>) =>
    createAuthConnectorSource({ bitrix24, portals: { settings: async () => ({ authConnector: true }) } });

  it('sends only the differing fields, with our auth_connector', async () => {
    const bitrix24 = recordingBitrix24((method) => (method === 'crm.item.get' ? { item } : { item }));
    const result = await writeItemIfChanged(bitrix24, withConnector(bitrix24), { memberId: 'm', entityTypeId: 147, id: 5, fields: { title: 'Claim', opportunity: 150, parentId2: 759 } });
    expect(result).toEqual({ written: true, changedFields: ['parentId2'] });
    expect(bitrix24.callsTo('crm.item.update')[0]?.params).toEqual({
      entityTypeId: 147,
      id: 5,
      fields: { parentId2: 759 },
      auth_connector: AUTH_CONNECTOR,
    });
  });

  it('writes nothing when the item already holds every value', async () => {
    const bitrix24 = recordingBitrix24(() => ({ item }));
    const result = await writeItemIfChanged(bitrix24, withConnector(bitrix24), { memberId: 'm', entityTypeId: 147, id: 5, fields: { title: 'Claim', opportunity: 150 } });
    expect(result).toEqual({ written: false, changedFields: [] });
    expect(bitrix24.calls.map((call) => call.method)).toEqual(['crm.item.get']);
  });
});
