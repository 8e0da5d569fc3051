import type { PortalSettings } from '../../contracts/portal.js';
import {
  completePropertyIds,
  propertyIdOf,
  SHIPMENT_LIST,
  SHIPMENT_PROPERTIES,
  SHIPMENT_PROPERTY_KEYS,
  type ShipmentListRef,
  type ShipmentPropertyKey,
} from '../../contracts/shipment-list.js';
import type { PortalStore } from '../../lib/portals/store.js';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';

/** Worker configuration of the CRM processes (lib/config.ts); part of ProcessSettings (activities/settings.ts). */
export interface CrmProcessSettings {
  /** QUALITY_HEAD_USER_ID: responsible for every claim's quality task. */
  qualityHeadUserId: number;
  /** PORTAL_TIME_ZONE and HOLIDAYS: the calendar of claim years and task deadlines. */
  portalTimeZone: string;
  holidays: string[];
  /** Overrides of what provisioning recorded per portal (CLAIM_ENTITY_TYPE_ID, ...). */
  claimEntityTypeId?: number | undefined;
  invoiceTotalEntityTypeId?: number | undefined;
  shipmentListIblockId?: number | undefined;
}

/** The smart-process and list ids of one portal, configuration overrides applied. */
export type CrmPortalIds = Pick<PortalSettings, 'claimEntityTypeId' | 'claimTypeId' | 'invoiceTotalEntityTypeId' | 'invoiceTotalTypeId'> & {
  /** The shipment list with the numeric ids of all its properties; absent when any of them is unknown. */
  shipmentList?: ShipmentListRef;
};

export interface ReadCrmPortalIdsInput {
  memberId: string;
  /** Look the Claim type's `id` up when configuration names another type than provisioning recorded. */
  resolveClaimTypeId?: boolean;
  /** The same for the invoice-total helper type, whose `id` names its total fields. */
  resolveInvoiceTotalTypeId?: boolean;
  /** Look the shipment list's property ids up when configuration names another list than provisioning recorded. */
  resolveShipmentList?: boolean;
}

export interface CrmSettingsDeps {
  bitrix24: Bitrix24Caller;
  portals?: PortalStore | undefined;
  crm?: CrmProcessSettings | undefined;
}

function defined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export function createCrmSettingsActivities(deps: CrmSettingsDeps) {
  // A type's `id` and a list's property ids never change once created, so one lookup per worker and portal is enough.
  const typeIds = new Map<string, number>();
  const listProperties = new Map<string, ShipmentListRef>();

  async function typeIdOf(memberId: string, entityTypeId: number): Promise<number> {
    const key = `${memberId}:${entityTypeId}`;
    const cached = typeIds.get(key);
    if (cached !== undefined) return cached;
    const answer = await deps.bitrix24.call<{ type: { id: number | string } }>(memberId, 'crm.type.getByEntityTypeId', { entityTypeId });
    const id = Number(answer.type.id);
    typeIds.set(key, id);
    return id;
  }

  /** The configured list's property ids by CODE (lists.field.get answers fields keyed by `PROPERTY_<id>`). */
  async function listOf(memberId: string, iblockId: number): Promise<ShipmentListRef | undefined> {
    const key = `${memberId}:${iblockId}`;
    const cached = listProperties.get(key);
    if (cached !== undefined) return cached;
    const fields = await deps.bitrix24.call<unknown>(memberId, 'lists.field.get', { IBLOCK_TYPE_ID: SHIPMENT_LIST.iblockTypeId, IBLOCK_ID: iblockId });
    const rows = typeof fields === 'object' && fields !== null ? (Object.values(fields) as Record<string, unknown>[]) : [];
    const found: Partial<Record<ShipmentPropertyKey, number>> = {};
    for (const key of SHIPMENT_PROPERTY_KEYS) {
      const id = propertyIdOf(rows.find((row) => row.CODE === SHIPMENT_PROPERTIES[key].code)?.FIELD_ID);
      if (id !== undefined) found[key] = id;
    }
    const propertyIds = completePropertyIds(found);
    if (propertyIds === undefined) return undefined;
    const list = { iblockId, propertyIds };
    listProperties.set(key, list);
    return list;
  }

  return {
    /** Portal ids for the CRM processes: provisioning's record, overridden by configuration; type ids looked up on request. */
    async readCrmPortalIds(input: ReadCrmPortalIdsInput): Promise<CrmPortalIds> {
      const recorded = deps.portals ? await deps.portals.settings(input.memberId) : {};
      const ids: CrmPortalIds = {
        ...defined({
          claimEntityTypeId: recorded.claimEntityTypeId,
          claimTypeId: recorded.claimTypeId,
          invoiceTotalEntityTypeId: recorded.invoiceTotalEntityTypeId,
          invoiceTotalTypeId: recorded.invoiceTotalTypeId,
        }),
        ...defined({
          claimEntityTypeId: deps.crm?.claimEntityTypeId,
          invoiceTotalEntityTypeId: deps.crm?.invoiceTotalEntityTypeId,
        }),
      };
      // An override of the entity type invalidates a type id recorded for another type.
      if (input.resolveClaimTypeId === true && ids.claimEntityTypeId !== undefined && (ids.claimTypeId === undefined || ids.claimEntityTypeId !== recorded.claimEntityTypeId)) {
        ids.claimTypeId = await typeIdOf(input.memberId, ids.claimEntityTypeId);
      }
      if (
        input.resolveInvoiceTotalTypeId === true &&
        ids.invoiceTotalEntityTypeId !== undefined &&
        (ids.invoiceTotalTypeId === undefined || ids.invoiceTotalEntityTypeId !== recorded.invoiceTotalEntityTypeId)
      ) {
        ids.invoiceTotalTypeId = await typeIdOf(input.memberId, ids.invoiceTotalEntityTypeId);
      }
      // Recorded property ids belong to the recorded list; a configured other list needs its own.
      const iblockId = deps.crm?.shipmentListIblockId ?? recorded.shipmentListIblockId;
      if (iblockId !== undefined && iblockId === recorded.shipmentListIblockId && recorded.shipmentListPropertyIds !== undefined) {
        ids.shipmentList = { iblockId, propertyIds: recorded.shipmentListPropertyIds };
      } else if (iblockId !== undefined && input.resolveShipmentList === true) {
        const list = await listOf(input.memberId, iblockId);
        if (list !== undefined) ids.shipmentList = list;
      }
      return ids;
    },
  };
}
