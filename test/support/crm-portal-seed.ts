import { CLAIM_FIELD_SUFFIX, INVOICE_TOTAL_FIELD_SUFFIX } from '../../contracts/crm-field-names.js';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { propertyIdOf, SHIPMENT_LIST, SHIPMENT_PROPERTIES, SHIPMENT_PROPERTY_KEYS, type ShipmentListRef } from '../../contracts/shipment-list.js';
import type { Bitrix24Emulator } from '../../emulators/bitrix24/index.js';

/**
 * What provisioning sets up in a portal, seeded straight into the emulator for tests that run one process without
 * provisioning: the Claim and "Invoice totals" types with their user fields, and the shipment list with its properties.
 */
export function seedClaimType(emulator: Bitrix24Emulator, entityTypeId: number): { entityTypeId: number; typeId: number } {
  const type = emulator.state.addCrmType({
    entityTypeId,
    title: 'Claim',
    isStagesEnabled: 'Y',
    isClientEnabled: 'Y',
    relations: { parent: [{ entityTypeId: ENTITY_TYPE.deal, isChildrenListEnabled: 'true' }] },
  });
  const fields = [
    [CLAIM_FIELD_SUFFIX.number, 'string'],
    [CLAIM_FIELD_SUFFIX.qualityTaskId, 'integer'],
    [CLAIM_FIELD_SUFFIX.dealId, 'integer'],
  ] as const;
  for (const [suffix, userTypeId] of fields) {
    emulator.state.addUserField({ entityId: `CRM_${type.id}`, fieldName: `UF_CRM_${type.id}_${suffix}`, userTypeId });
  }
  return { entityTypeId, typeId: type.id };
}

export function seedInvoiceTotalType(emulator: Bitrix24Emulator, entityTypeId: number): { entityTypeId: number; typeId: number } {
  const type = emulator.state.addCrmType({
    entityTypeId,
    title: 'Invoice totals',
    relations: { parent: [{ entityTypeId: ENTITY_TYPE.smartInvoice, isChildrenListEnabled: 'true' }] },
  });
  emulator.state.addUserField({ entityId: `CRM_${type.id}`, fieldName: `UF_CRM_${type.id}_${INVOICE_TOTAL_FIELD_SUFFIX.total}`, userTypeId: 'double' });
  emulator.state.addUserField({ entityId: `CRM_${type.id}`, fieldName: `UF_CRM_${type.id}_${INVOICE_TOTAL_FIELD_SUFFIX.currency}`, userTypeId: 'string' });
  return { entityTypeId, typeId: type.id };
}

export function seedShipmentList(emulator: Bitrix24Emulator): ShipmentListRef {
  const list = emulator.state.addList({ code: SHIPMENT_LIST.iblockCode, name: SHIPMENT_LIST.name });
  const propertyIds = Object.fromEntries(
    SHIPMENT_PROPERTY_KEYS.map((key) => {
      const { code, name, type } = SHIPMENT_PROPERTIES[key];
      return [key, propertyIdOf(emulator.state.addListField(list.ID, { NAME: name, TYPE: type, CODE: code }))];
    }),
  ) as ShipmentListRef['propertyIds'];
  return { iblockId: list.ID, propertyIds };
}

/** The stored value of a shipment property of an element (one value per property). */
export function shipmentValue(element: { FIELDS: Record<string, string | string[]> }, propertyId: number): string | string[] | undefined {
  return element.FIELDS[`PROPERTY_${propertyId}`];
}
