import { describe, expect, it } from 'vitest';
import { invoiceTotal, sameAmount } from '../../../activities/crm-processes/invoice-total.js';
import { diffShipmentElements, shipmentElementFields, type DealProductRow, type ListElementRow } from '../../../activities/crm-processes/shipment-diff.js';
import { claimFieldNames, crmTaskBinding, invoiceTotalFieldNames, userFieldCamelName } from '../../../contracts/crm-field-names.js';
import type { ShipmentPropertyIds } from '../../../contracts/shipment-list.js';
import { formatClaimNumber } from '../../../contracts/claim-sequence.js';

describe('user field names (crm/universal/index.md "Field Naming Conventions")', () => {
  it.each([
    // The table of the docs.
    ['UF_CRM_3_DIGIT', 'ufCrm3Digit'],
    ['UF_CRM_3_1747309727', 'ufCrm3_1747309727'],
    ['UF_CRM_3_DIGIT10', 'ufCrm_3_DIGIT10'],
    ['UF_CRM_3_DIGIT_10', 'ufCrm_3_DIGIT_10'],
    ['UF_CRM_1747309879', 'ufCrm_1747309879'],
    // The examples of the text.
    ['UF_CRM_10_5186744711', 'ufCrm10_5186744711'],
    ['UF_CRM_10_DIGIT', 'ufCrm10Digit'],
    ['UF_CRM_10_DIGIT10', 'ufCrm_10_DIGIT10'],
  ])('%s → %s', (upper, camel) => {
    expect(userFieldCamelName(upper)).toBe(camel);
  });

  it('keeps a digit-leading part after letters in the simplified form', () => {
    expect(userFieldCamelName('UF_CRM_7_CLAIM_2')).toBe('ufCrm_7_CLAIM_2');
    expect(userFieldCamelName('UF_CRM_7_2_CLAIM')).toBe('ufCrm_7_2_CLAIM');
  });

  it('converts letter-only deal fields regularly', () => {
    expect(userFieldCamelName('UF_CRM_ERP_ORDER_ID')).toBe('ufCrmErpOrderId');
  });

  it('names the claim fields from the crm.type id, not the entityTypeId', () => {
    expect(claimFieldNames(7)).toEqual({ number: 'ufCrm7ClaimNumber', qualityTaskId: 'ufCrm7QualityTaskId', dealId: 'ufCrm7DealId' });
  });

  it('names the invoice-total helper fields from its type id', () => {
    expect(invoiceTotalFieldNames(8)).toEqual({ total: 'ufCrm8Total', currency: 'ufCrm8Currency' });
  });

  it('binds tasks as T{hex}_{id} and deals as D_{id} (b24restdocs api-reference/tasks/fields.md)', () => {
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
  const ids: ShipmentPropertyIds = { dealId: 101, rowId: 102, productId: 103, quantity: 104, price: 105, measure: 106 };
  const row = (id: number, quantity = 1): DealProductRow => ({ id, productId: 500 + id, productName: `P${id}`, price: 10, quantity, measureName: 'pcs' });
  // As lists.element.get shows an element: properties as `{valueId: value}`, empty ones left out.
  const element = (id: number, dealId: number, source: DealProductRow): ListElementRow => ({
    ID: String(id),
    CODE: `deal-${dealId}-row-${source.id}`,
    ...Object.fromEntries(
      Object.entries(shipmentElementFields(dealId, source, ids))
        .filter(([, value]) => value !== '')
        .map(([key, value]) => [key, key === 'NAME' ? value : { [String(id * 1000)]: value }]),
    ),
  });

  it('addresses every property by its numeric id, never by code', () => {
    expect(shipmentElementFields(9, row(1, 3), ids)).toEqual({
      NAME: 'P1',
      PROPERTY_101: '9',
      PROPERTY_102: '1',
      PROPERTY_103: '501',
      PROPERTY_104: '3',
      PROPERTY_105: '10',
      PROPERTY_106: 'pcs',
    });
  });

  it('adds missing rows, updates changed ones with every field, deletes removed ones, leaves the rest', () => {
    const elements = [element(1, 9, row(1)), element(2, 9, row(2)), element(3, 9, row(3)), element(4, 19, row(4))];
    const changes = diffShipmentElements(9, [row(1), row(2, 5), row(7)], elements, ids);
    expect(changes.add.map((change) => change.code)).toEqual(['deal-9-row-7']);
    expect(changes.update).toEqual([{ id: 2, code: 'deal-9-row-2', fields: shipmentElementFields(9, row(2, 5), ids) }]);
    expect(Object.keys(changes.update[0]?.fields ?? {})).toHaveLength(7);
    // Element 4 belongs to deal 19: not ours to touch.
    expect(changes.delete).toEqual([{ id: 3, code: 'deal-9-row-3' }]);
  });

  it('treats reformatted numbers as unchanged', () => {
    const stored = element(1, 9, row(1));
    stored.PROPERTY_105 = { '1000': '10.00' };
    expect(diffShipmentElements(9, [row(1)], [stored], ids)).toEqual({ add: [], update: [], delete: [] });
  });

  it('converges for a row without product or unit: the portal stores 0 and leaves the empty unit out', () => {
    const bare: DealProductRow = { id: 5, productId: null, productName: 'Service', price: '12.50', quantity: '2', measureName: null };
    const stored = element(8, 9, bare);
    expect(stored.PROPERTY_103).toEqual({ '8000': '0' });
    expect(stored).not.toHaveProperty('PROPERTY_106');
    expect(diffShipmentElements(9, [bare], [stored], ids)).toEqual({ add: [], update: [], delete: [] });
  });
});
