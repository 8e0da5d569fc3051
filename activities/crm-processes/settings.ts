import type { PortalSettings } from '../../contracts/portal.js';
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
export type CrmPortalIds = Pick<
  PortalSettings,
  'claimEntityTypeId' | 'claimTypeId' | 'invoiceTotalEntityTypeId' | 'invoiceTotalTypeId' | 'shipmentListIblockId'
>;

export interface CrmSettingsDeps {
  bitrix24: Bitrix24Caller;
  portals?: PortalStore | undefined;
  crm?: CrmProcessSettings | undefined;
}

function defined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export function createCrmSettingsActivities(deps: CrmSettingsDeps) {
  // A type's `id` never changes once created, so one lookup per worker and portal is enough.
  const typeIds = new Map<string, number>();

  async function typeIdOf(memberId: string, entityTypeId: number): Promise<number> {
    const key = `${memberId}:${entityTypeId}`;
    const cached = typeIds.get(key);
    if (cached !== undefined) return cached;
    const answer = await deps.bitrix24.call<{ type: { id: number | string } }>(memberId, 'crm.type.getByEntityTypeId', { entityTypeId });
    const id = Number(answer.type.id);
    typeIds.set(key, id);
    return id;
  }

  return {
    /** Portal ids for the CRM processes: provisioning's record, overridden by configuration; the claim type id looked up on request. */
    async readCrmPortalIds(input: { memberId: string; resolveClaimTypeId?: boolean }): Promise<CrmPortalIds> {
      const recorded = deps.portals ? await deps.portals.settings(input.memberId) : {};
      const ids: CrmPortalIds = {
        ...defined({
          claimEntityTypeId: recorded.claimEntityTypeId,
          claimTypeId: recorded.claimTypeId,
          invoiceTotalEntityTypeId: recorded.invoiceTotalEntityTypeId,
          invoiceTotalTypeId: recorded.invoiceTotalTypeId,
          shipmentListIblockId: recorded.shipmentListIblockId,
        }),
        ...defined({
          claimEntityTypeId: deps.crm?.claimEntityTypeId,
          invoiceTotalEntityTypeId: deps.crm?.invoiceTotalEntityTypeId,
          shipmentListIblockId: deps.crm?.shipmentListIblockId,
        }),
      };
      // An override of the entity type invalidates a type id recorded for another type.
      if (input.resolveClaimTypeId === true && ids.claimEntityTypeId !== undefined && (ids.claimTypeId === undefined || ids.claimEntityTypeId !== recorded.claimEntityTypeId)) {
        ids.claimTypeId = await typeIdOf(input.memberId, ids.claimEntityTypeId);
      }
      return ids;
    },
  };
}
