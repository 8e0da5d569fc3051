/** The universal list that receives deal product rows: `lists` iblock type, properties by code (provisioning creates them). */
export const SHIPMENT_LIST = {
  iblockTypeId: 'lists',
  properties: {
    dealId: 'PROPERTY_DEAL_ID',
    rowId: 'PROPERTY_ROW_ID',
    productId: 'PROPERTY_PRODUCT_ID',
    quantity: 'PROPERTY_QUANTITY',
    price: 'PROPERTY_PRICE',
    measure: 'PROPERTY_MEASURE',
  },
} as const;

export interface DealProductRow {
  id: number | string;
  productId: number | string | null;
  productName: string | null;
  price: number | string;
  quantity: number | string;
  measureName?: string | null;
}

/** A list element as lists.element.get returns it: property values keyed by value id (`{"1483": "7"}`). */
export type ListElementRow = Record<string, unknown> & { ID: string | number; CODE?: string | null };

export type ElementFields = Record<string, string>;

export interface ShipmentChanges {
  add: { code: string; fields: ElementFields }[];
  update: { id: number; code: string; fields: ElementFields }[];
  delete: { id: number; code: string }[];
}

export function dealElementCodePrefix(dealId: number): string {
  return `deal-${dealId}-row-`;
}

export function shipmentElementCode(dealId: number, rowId: number | string): string {
  return `${dealElementCodePrefix(dealId)}${rowId}`;
}

/** Every field of the element: lists.element.update overwrites the element, so updates send them all. */
export function shipmentElementFields(dealId: number, row: DealProductRow): ElementFields {
  const { properties } = SHIPMENT_LIST;
  return {
    NAME: row.productName?.trim() || `Product row ${row.id}`,
    [properties.dealId]: String(dealId),
    [properties.rowId]: String(row.id),
    [properties.productId]: String(row.productId ?? ''),
    [properties.quantity]: String(row.quantity),
    [properties.price]: String(row.price),
    [properties.measure]: row.measureName ?? '',
  };
}

/** The single value of a field as lists.element.get shows it (plain, or one entry keyed by value id). */
function fieldValue(value: unknown): string {
  if (Array.isArray(value)) return fieldValue(value[0]);
  if (typeof value === 'object' && value !== null) return fieldValue(Object.values(value)[0]);
  return value === null || value === undefined ? '' : String(value);
}

function sameValue(stored: string, wanted: string): boolean {
  if (stored === wanted) return true;
  // Numbers may come back reformatted ("2.50" for "2.5").
  const left = Number(stored);
  const right = Number(wanted);
  return stored.trim() !== '' && wanted.trim() !== '' && Number.isFinite(left) && left === right;
}

function differs(element: ListElementRow, fields: ElementFields): boolean {
  return Object.entries(fields).some(([key, wanted]) => !sameValue(fieldValue(element[key]), wanted));
}

/** What to add, update and delete so the list holds exactly one element per product row of the deal. */
export function diffShipmentElements(dealId: number, rows: readonly DealProductRow[], elements: readonly ListElementRow[]): ShipmentChanges {
  const prefix = dealElementCodePrefix(dealId);
  const existing = new Map<string, ListElementRow>();
  const changes: ShipmentChanges = { add: [], update: [], delete: [] };
  for (const element of elements) {
    const code = String(element.CODE ?? '');
    if (!code.startsWith(prefix)) continue;
    // Two elements with one code cannot come from us, but keep only one if a portal ever has them.
    if (existing.has(code)) changes.delete.push({ id: Number(element.ID), code });
    else existing.set(code, element);
  }
  const wantedCodes = new Set<string>();
  for (const row of rows) {
    const code = shipmentElementCode(dealId, row.id);
    wantedCodes.add(code);
    const fields = shipmentElementFields(dealId, row);
    const element = existing.get(code);
    if (element === undefined) changes.add.push({ code, fields });
    else if (differs(element, fields)) changes.update.push({ id: Number(element.ID), code, fields });
  }
  for (const [code, element] of existing) {
    if (!wantedCodes.has(code)) changes.delete.push({ id: Number(element.ID), code });
  }
  return changes;
}

export function changeCount(changes: ShipmentChanges): number {
  return changes.add.length + changes.update.length + changes.delete.length;
}
