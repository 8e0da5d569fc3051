import { describe, expect, it } from 'vitest';
import { invoiceTotal, sameAmount } from '../../../activities/crm-processes/invoice-total.js';
import { diffShipmentElements, shipmentElementFields, type DealProductRow, type ListElementRow } from '../../../activities/crm-processes/shipment-diff.js';
import { claimFieldNames, crmTaskBinding, userFieldCamelName } from '../../../contracts/crm-field-names.js';
import { formatClaimNumber } from '../../../contracts/claim-sequence.js';

describe('user field names (protocol 9.1)', () => {
  it('follows every example of the naming conventions', () => {
    expect(userFieldCamelName('UF_CRM_3_DIGIT')).toBe('ufCrm3Digit');
    expect(userFieldCamelName('UF_CRM_3_1747309727')).toBe('ufCrm3_1747309727');
    expect(userFieldCamelName('UF_CRM_3_DIGIT10')).toBe('ufCrm_3_DIGIT10');
    expect(userFieldCamelName('UF_CRM_1747309879')).toBe('ufCrm_1747309879');
  });

  it('names the claim fields from the crm.type id, not the entityTypeId', () => {
    expect(claimFieldNames(7)).toEqual({ number: 'ufCrm7ClaimNumber', qualityTaskId: 'ufCrm7QualityTaskId', dealId: 'ufCrm7DealId' });
  });

  it('binds tasks as T{hex}_{id} and deals as D_{id} (protocol 9.5)', () => {
    expect(crmTaskBinding(128, 6)).toBe('T80_6');
    expect(crmTaskBinding(1038, 12)).toBe('T40e_12');
    expect(crmTaskBinding(2, 5)).toBe('D_5');
  });

  it('pads claim numbers to four digits', () => {
    expect(formatClaimNumber(2026, 7)).toBe('CL-2026-0007');
    expect(formatClaimNumber(2026, 12345)).toBe('CL-2026-12345');
  });
});

describe('invoice total', () => {
  it('sums final unit price × quantity per line, rounded to kopecks', () => {
    expect(invoiceTotal([])).toBe(0);
    expect(invoiceTotal([{ price: 0.1, quantity: 3 }, { price: 0.2, quantity: 1 }])).toBe(0.5);
    expect(invoiceTotal([{ price: '611', quantity: '1' }, { price: 733.2, quantity: 2.5 }])).toBe(2444);
    // 1.005 × 1 is 1.00499999... in binary: Bitrix24 shows 1.01.
    expect(invoiceTotal([{ price: 1.005, quantity: 1 }])).toBe(1.01);
  });

  it('compares money to the minor unit', () => {
    expect(sameAmount('100.10', 100.1)).toBe(true);
    expect(sameAmount(100.1, 100.11)).toBe(false);
    expect(sameAmount(null, 0)).toBe(false);
  });
});

describe('shipment diff', () => {
  const row = (id: number, quantity = 1): DealProductRow => ({ id, productId: 500 + id, productName: `P${id}`, price: 10, quantity, measureName: 'pcs' });
  // As lists.element.get shows properties: one value keyed by value id.
  const element = (id: number, dealId: number, source: DealProductRow): ListElementRow => ({
    ID: String(id),
    CODE: `deal-${dealId}-row-${source.id}`,
    ...Object.fromEntries(
      Object.entries(shipmentElementFields(dealId, source)).map(([key, value]) => [key, key === 'NAME' ? value : { [String(id * 1000)]: value }]),
    ),
  });

  it('adds missing rows, updates changed ones with every field, deletes removed ones, leaves the rest', () => {
    const elements = [element(1, 9, row(1)), element(2, 9, row(2)), element(3, 9, row(3)), element(4, 19, row(4))];
    const changes = diffShipmentElements(9, [row(1), row(2, 5), row(7)], elements);
    expect(changes.add.map((change) => change.code)).toEqual(['deal-9-row-7']);
    expect(changes.update).toEqual([{ id: 2, code: 'deal-9-row-2', fields: shipmentElementFields(9, row(2, 5)) }]);
    expect(Object.keys(changes.update[0]?.fields ?? {})).toHaveLength(7);
    // Element 4 belongs to deal 19: not ours to touch.
    expect(changes.delete).toEqual([{ id: 3, code: 'deal-9-row-3' }]);
  });

  it('treats reformatted numbers as unchanged', () => {
    const stored = element(1, 9, row(1));
    stored.PROPERTY_PRICE = { '1000': '10.00' };
    expect(diffShipmentElements(9, [row(1)], [stored])).toEqual({ add: [], update: [], delete: [] });
  });
});
