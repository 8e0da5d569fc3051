import {
  SHIPMENT_LIST,
  SHIPMENT_PROPERTIES,
  SHIPMENT_PROPERTY_KEYS,
  type ListPropertyType,
  type ShipmentPropertyKey,
} from '../contracts/shipment-list.js';

/**
 * The universal list for deal products (contracts/shipment-list.ts), as provisioning declares it. Lists are never
 * changed or deleted by provisioning (they hold data): a list or field that differs becomes a note.
 */
export interface ListPropertySpec {
  key: ShipmentPropertyKey;
  code: string;
  name: string;
  type: ListPropertyType;
}

export interface ListDeclaration {
  iblockTypeId: string;
  /** IBLOCK_CODE of the list we create and recognise as ours. */
  code: string;
  name: string;
  description: string;
  /** SHIPMENT_LIST_IBLOCK_ID: use exactly this list (never create one); its missing properties are still added. */
  iblockId?: number;
  properties: ListPropertySpec[];
}

export function shipmentListDeclaration(iblockId: number | undefined): ListDeclaration {
  return {
    iblockTypeId: SHIPMENT_LIST.iblockTypeId,
    code: SHIPMENT_LIST.iblockCode,
    name: SHIPMENT_LIST.name,
    description: SHIPMENT_LIST.description,
    ...(iblockId === undefined ? {} : { iblockId }),
    properties: SHIPMENT_PROPERTY_KEYS.map((key) => ({ key, ...SHIPMENT_PROPERTIES[key] })),
  };
}

/** The shipment list as the portal has it (lists.get + lists.field.get). */
export interface ListState {
  id: number;
  code: string;
  name: string;
  /** Custom fields: `PROPERTY_<id>` with their CODE and TYPE. */
  fields: ListFieldRow[];
}

export interface ListFieldRow {
  fieldId: string;
  /** The numeric property id (`PROPERTY_1151` → 1151). */
  id: number;
  code: string;
  type: string;
}

/** The list and property ids known so far; apply fills in what it creates. */
export interface ShipmentListResolution {
  iblockId?: number;
  propertyIds: Partial<Record<ShipmentPropertyKey, number>>;
}

export function resolveShipmentList(declaration: ListDeclaration, list: ListState | null): ShipmentListResolution {
  if (list === null) return { propertyIds: {} };
  const propertyIds: Partial<Record<ShipmentPropertyKey, number>> = {};
  for (const property of declaration.properties) {
    const found = list.fields.find((field) => field.code === property.code);
    if (found) propertyIds[property.key] = found.id;
  }
  return { iblockId: list.id, propertyIds };
}
