/**
 * The universal list that receives deal product rows. Provisioning creates it (`lists.add`) with these properties
 * (`lists.field.add`), or finds them (`lists.get`, `lists.field.get`), and records their numeric ids per portal.
 * Elements address properties only by those ids: `PROPERTY_<id>` (b24restdocs api-reference/lists/elements/
 * lists-element-add.md, example `PROPERTY_62`); a code-named key such as `PROPERTY_DEAL_ID` is not a field.
 */
export const SHIPMENT_LIST = {
  iblockTypeId: 'lists',
  /** IBLOCK_CODE of the list we create; a list with this code is ours. */
  iblockCode: 'b24_temporal_shipments',
  name: 'Shipments (deal products)',
  description: 'One element per product row of a deal, kept in sync by b24-temporal',
} as const;

/** `lists.field.add` TYPE values used here: `N` number, `S` string (lists-field-add.md). */
export type ListPropertyType = 'N' | 'S';

export interface ShipmentPropertyDeclaration {
  /** The property's CODE in the list: how provisioning recognises it. */
  code: string;
  name: string;
  type: ListPropertyType;
}

export const SHIPMENT_PROPERTIES = {
  dealId: { code: 'DEAL_ID', name: 'Deal', type: 'N' },
  rowId: { code: 'ROW_ID', name: 'Product row', type: 'N' },
  productId: { code: 'PRODUCT_ID', name: 'Product', type: 'N' },
  quantity: { code: 'QUANTITY', name: 'Quantity', type: 'N' },
  price: { code: 'PRICE', name: 'Price', type: 'N' },
  measure: { code: 'MEASURE', name: 'Unit', type: 'S' },
} as const satisfies Record<string, ShipmentPropertyDeclaration>;

export type ShipmentPropertyKey = keyof typeof SHIPMENT_PROPERTIES;

export const SHIPMENT_PROPERTY_KEYS = Object.keys(SHIPMENT_PROPERTIES) as ShipmentPropertyKey[];

/** Numeric property ids of one portal's shipment list (`PROPERTY_1151` → 1151). */
export type ShipmentPropertyIds = Record<ShipmentPropertyKey, number>;

/** The list and its property ids, as the sync needs them. */
export interface ShipmentListRef {
  iblockId: number;
  propertyIds: ShipmentPropertyIds;
}

/** `PROPERTY_1151` → 1151; anything else → undefined. */
export function propertyIdOf(fieldId: unknown): number | undefined {
  const match = /^PROPERTY_(\d+)$/.exec(String(fieldId ?? ''));
  return match?.[1] ? Number(match[1]) : undefined;
}

/** The property ids found for every shipment property, or undefined when one is missing. */
export function completePropertyIds(found: Partial<Record<ShipmentPropertyKey, number>>): ShipmentPropertyIds | undefined {
  const ids: Partial<ShipmentPropertyIds> = {};
  for (const key of SHIPMENT_PROPERTY_KEYS) {
    const id = found[key];
    if (id === undefined) return undefined;
    ids[key] = id;
  }
  return ids as ShipmentPropertyIds;
}
