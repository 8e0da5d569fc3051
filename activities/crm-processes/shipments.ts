import { Context } from '@temporalio/activity';
import { batch, BATCH_CHUNK_SIZE, type BatchCommand } from '../../integrations/bitrix24/batch.js';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import { listAll } from '../../integrations/bitrix24/list.js';
import { SHIPMENT_LIST, type ShipmentListRef } from '../../contracts/shipment-list.js';
import { changeCount, diffShipmentElements, propertyKey, type DealProductRow, type ListElementRow } from './shipment-diff.js';
import { subCommandFailure } from './sub-command-failure.js';

export interface DealShipmentInput {
  memberId: string;
  dealId: number;
  /** The list and its property ids (provisioning's record, or looked up for a configured list). */
  list: ShipmentListRef;
  /** The deal was deleted: remove all its elements without reading product rows. */
  dealDeleted: boolean;
}

export interface DealShipmentOutcome {
  rows: number;
  added: number;
  updated: number;
  deleted: number;
  /** `batch` requests sent: ceil(changes / 50). */
  batchCalls: number;
}

/** A delete of an element that is already gone reached its goal. */
const ALREADY_DONE = new Set(['ERROR_ELEMENT_NOT_FOUND']);

export function createShipmentActivities(deps: { bitrix24: Bitrix24Caller }) {
  return {
    /**
     * Makes the shipment list hold one element per product row of the deal: reads rows and elements (every page),
     * then sends only the differences through `batch`, 50 commands per request.
     */
    async syncDealShipments(input: DealShipmentInput): Promise<DealShipmentOutcome> {
      const signal = Context.current().cancellationSignal;
      // Row and element counts per deal are small: start/next paging needs one call fewer than id paging at 50 rows.
      const rows = input.dealDeleted
        ? []
        : await listAll<DealProductRow>(
            deps.bitrix24,
            input.memberId,
            'crm.item.productrow.list',
            { filter: { '=ownerType': 'D', '=ownerId': input.dealId } },
            { rowsKey: 'productRows', fastPath: false, signal },
          );
      const list = { IBLOCK_TYPE_ID: SHIPMENT_LIST.iblockTypeId, IBLOCK_ID: input.list.iblockId };
      // The deal's elements, found by its deal-id property: CODE is no filter field of lists.element.get.
      const elements = await listAll<ListElementRow>(
        deps.bitrix24,
        input.memberId,
        'lists.element.get',
        { ...list, FILTER: { [`=${propertyKey(input.list.propertyIds.dealId)}`]: input.dealId }, ELEMENT_ORDER: { ID: 'ASC' } },
        { fastPath: false, signal },
      );
      const changes = diffShipmentElements(input.dealId, rows, elements, input.list.propertyIds);

      const commands: Record<string, BatchCommand> = {};
      for (const { code, fields } of changes.add) {
        commands[`add:${code}`] = { method: 'lists.element.add', params: { ...list, ELEMENT_CODE: code, FIELDS: fields } };
      }
      for (const { id, code, fields } of changes.update) {
        commands[`update:${code}`] = { method: 'lists.element.update', params: { ...list, ELEMENT_ID: id, FIELDS: fields } };
      }
      for (const { id, code } of changes.delete) {
        commands[`delete:${id}:${code}`] = { method: 'lists.element.delete', params: { ...list, ELEMENT_ID: id } };
      }
      const outcome = await batch(deps.bitrix24, input.memberId, commands, { signal });
      for (const [key, error] of Object.entries(outcome.errors)) {
        if (error === undefined || ALREADY_DONE.has(error.error)) continue;
        // The next attempt re-reads both sides, so whatever did succeed is not repeated.
        throw subCommandFailure(commands[key]?.method ?? 'batch', error);
      }
      return {
        rows: rows.length,
        added: changes.add.length,
        updated: changes.update.length,
        deleted: changes.delete.length,
        batchCalls: Math.ceil(changeCount(changes) / BATCH_CHUNK_SIZE),
      };
    },
  };
}
