import { SHIPMENT_PROPERTY_KEYS, type ShipmentPropertyIds } from '../../contracts/shipment-list.js';

export interface DealProductRow {
  id: number | string;
  productId: number | string | null;
  productName: string | null;
  price: number | string;
  quantity: number | string;
  measureName?: string | null;
}

/**
 * A list element as lists.element.get returns it: fields as text, each property as `{valueId: value}`
 * (`"PROPERTY_1151": {"3743": "7"}`, b24restdocs api-reference/lists/elements/lists-element-get.md); a property without
 * a value is left out.
 */
export type ListElementRow = Record<string, unknown> & { ID: string | number; CODE?: string | null };

/** The FIELDS of lists.element.add/update: NAME and `PROPERTY_<numeric id>` (lists-element-add.md). */
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

export function propertyKey(propertyId: number): string {
  return `PROPERTY_${propertyId}`;
}

/** A number as a number property keeps it: an absent product is 0, as Bitrix24 stores an empty number. */
function numberText(value: number | string | null | undefined): string {
  const parsed = Number(value ?? 0);
  return String(Number.isFinite(parsed) ? parsed : 0);
}

/**
 * Every field of the element: lists.element.update overwrites the whole element ("Fields whose values are not provided
 * will be cleared", lists-element-update.md), so an update sends all of them too.
 */
export function shipmentElementFields(dealId: number, row: DealProductRow, ids: ShipmentPropertyIds): ElementFields {
  const values = {
    dealId: numberText(dealId),
    rowId: numberText(row.id),
    productId: numberText(row.productId),
    quantity: numberText(row.quantity),
    price: numberText(row.price),
    measure: row.measureName?.trim() ?? '',
  };
  const fields: ElementFields = { NAME: row.productName?.trim() || `Product row ${row.id}` };
  for (const key of SHIPMENT_PROPERTY_KEYS) fields[propertyKey(ids[key])] = values[key];
  return fields;
}

/** The single value of a field as lists.element.get shows it: plain text, or the first entry keyed by value id. */
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
export function diffShipmentElements(
  dealId: number,
  rows: readonly DealProductRow[],
  elements: readonly ListElementRow[],
  ids: ShipmentPropertyIds,
): ShipmentChanges {
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
    const fields = shipmentElementFields(dealId, row, ids);
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
