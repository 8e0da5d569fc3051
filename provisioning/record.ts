import type { PortalSettings } from '../contracts/portal.js';
import type { PortalStore } from '../lib/portals/store.js';
import type { ApplySummary } from './apply.js';
import type { ProvisioningRecord } from './portal-state.js';
import { completePropertyIds } from '../contracts/shipment-list.js';
import { SMART_PROCESS } from './smart-processes.js';

/** Where the record lives: the portal's settings in the per-portal workflow (lib/portals/store.ts). */
export type PortalSettingsStore = Pick<PortalStore, 'settings' | 'saveSettings'>;

/**
 * The settings key for the definitions we wrote. NOTE: PortalSettings (contracts/portal.ts) should declare it; until
 * then it travels as an extra key, which the portal workflow keeps (it merges whatever it is given).
 */
interface RecordSettings extends PortalSettings {
  provisionedDefinitions?: Record<string, Record<string, string>>;
}

export async function readProvisioningRecord(store: PortalSettingsStore, memberId: string): Promise<ProvisioningRecord> {
  const settings: RecordSettings = await store.settings(memberId);
  return {
    definitions: settings.provisionedDefinitions ?? {},
    entityTypeIds: {
      ...(settings.claimEntityTypeId === undefined ? {} : { [SMART_PROCESS.claim]: settings.claimEntityTypeId }),
      ...(settings.invoiceTotalEntityTypeId === undefined ? {} : { [SMART_PROCESS.invoiceTotal]: settings.invoiceTotalEntityTypeId }),
    },
    ...(settings.shipmentListIblockId === undefined ? {} : { shipmentListIblockId: settings.shipmentListIblockId }),
  };
}

/** The record after an apply: written definitions replace earlier ones, removed ones are forgotten. */
export function nextDefinitions(record: ProvisioningRecord, summary: ApplySummary): Record<string, Record<string, string>> {
  const definitions = { ...record.definitions, ...summary.writtenDefinitions };
  for (const key of summary.removedDefinitions) delete definitions[key];
  return definitions;
}

export async function saveProvisioningRecord(
  store: PortalSettingsStore,
  memberId: string,
  record: ProvisioningRecord,
  summary: ApplySummary,
  /** Whether the plan had `rest_auth_connector` when this run read the portal (PortalState.authConnector). */
  authConnector: boolean,
): Promise<void> {
  const claim = summary.types.claim;
  const invoiceTotal = summary.types.invoiceTotal;
  // The sync needs the list with every property: a list still missing one is not recorded (the next run adds it).
  const { iblockId } = summary.shipmentList;
  const propertyIds = completePropertyIds(summary.shipmentList.propertyIds);
  const changes: RecordSettings = {
    provisionedDefinitions: nextDefinitions(record, summary),
    authConnector,
    ...(claim ? { claimEntityTypeId: claim.entityTypeId, claimTypeId: claim.typeId } : {}),
    ...(invoiceTotal ? { invoiceTotalEntityTypeId: invoiceTotal.entityTypeId, invoiceTotalTypeId: invoiceTotal.typeId } : {}),
    ...(iblockId !== undefined && propertyIds !== undefined ? { shipmentListIblockId: iblockId, shipmentListPropertyIds: propertyIds } : {}),
  };
  await store.saveSettings(memberId, changes);
}
