import type { EntityPass, EntityPassContext, EntityPassResult } from '../../contracts/entity.js';
import { crmActivities, crmProcessContext, required } from './process-context.js';

/**
 * Deal products → shipment list: one list element per product row (code deal-{dealId}-row-{rowId}), properties
 * addressed by their numeric ids, synced by difference through `batch`; a deleted deal loses all its elements.
 */
export const dealProductsPass: EntityPass = async (context: EntityPassContext): Promise<EntityPassResult> => {
  const { ids } = await crmProcessContext(context.memberId, { resolveShipmentList: true });
  const outcome = await crmActivities.syncDealShipments({
    memberId: context.memberId,
    dealId: context.entityId,
    list: required(ids.shipmentList, 'the shipment list (created by provisioning, or SHIPMENT_LIST_IBLOCK_ID with every property)'),
    dealDeleted: context.deleted,
  });
  return {
    memory: context.memory,
    summary: `${outcome.rows} rows: +${outcome.added} ~${outcome.updated} -${outcome.deleted} in ${outcome.batchCalls} batch calls`,
  };
};
