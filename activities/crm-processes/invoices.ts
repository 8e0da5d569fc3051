import { Context } from '@temporalio/activity';
import { isBitrix24ErrorCode, type Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import { listAll } from '../../integrations/bitrix24/list.js';
import { invoiceTotalFieldNames } from '../../contracts/crm-field-names.js';
import type { PortalStore } from '../../lib/portals/store.js';
import { createAuthConnectorSource, writeWithConnector, type AuthConnectorSource } from '../crm/auth-connector.js';
import { changedFields } from '../crm/write-if-changed.js';
import { invoiceTotal, sameAmount, type PricedRow } from './invoice-total.js';

export const SMART_INVOICE_ENTITY_TYPE_ID = 31;
const PARENT_INVOICE_FIELD = `parentId${SMART_INVOICE_ENTITY_TYPE_ID}`;

export interface InvoiceTotalInput {
  memberId: string;
  invoiceId: number;
  /** entityTypeId of the helper smart process that holds invoice totals. */
  helperEntityTypeId: number;
  /** The helper type's `id` (crm.type.list), which names its total fields: ufCrm{id}Total, ufCrm{id}Currency. */
  helperTypeId: number;
}

export interface InvoiceTotalOutcome {
  action: 'created' | 'updated' | 'unchanged' | 'invoice-missing' | 'deleted' | 'nothing-to-delete';
  total?: number;
  currencyId?: string;
  helperId?: number;
  rowCount?: number;
}

type HelperItem = Record<string, unknown> & { id: number };

export function createInvoiceActivities(deps: { bitrix24: Bitrix24Caller; portals?: PortalStore | undefined; authConnector?: AuthConnectorSource }) {
  const signal = () => Context.current().cancellationSignal;
  const connector = deps.authConnector ?? createAuthConnectorSource(deps);

  /** The helper element linked to the invoice, found by its parent link (the only key that survives lost answers). */
  async function findHelper(input: InvoiceTotalInput): Promise<HelperItem | undefined> {
    const fields = invoiceTotalFieldNames(input.helperTypeId);
    const answer = await deps.bitrix24.call<{ items: HelperItem[] }>(
      input.memberId,
      'crm.item.list',
      {
        entityTypeId: input.helperEntityTypeId,
        filter: { [`=${PARENT_INVOICE_FIELD}`]: input.invoiceId },
        select: ['id', fields.total, fields.currency, PARENT_INVOICE_FIELD],
        order: { id: 'ASC' },
      },
      { signal: signal() },
    );
    return answer.items[0];
  }

  return {
    /** Recomputes the invoice total from all its product rows and writes it to the helper element only if it changed. */
    async syncInvoiceTotal(input: InvoiceTotalInput): Promise<InvoiceTotalOutcome> {
      let invoice: Record<string, unknown>;
      try {
        const answer = await deps.bitrix24.call<{ item: Record<string, unknown> }>(
          input.memberId,
          'crm.item.get',
          { entityTypeId: SMART_INVOICE_ENTITY_TYPE_ID, id: input.invoiceId },
          { signal: signal() },
        );
        invoice = answer.item;
      } catch (error) {
        if (isBitrix24ErrorCode(error, 'NOT_FOUND')) return { action: 'invoice-missing' };
        throw error;
      }
      const currencyId = String(invoice.currencyId ?? '');
      const rows = await listAll<PricedRow>(
        deps.bitrix24,
        input.memberId,
        'crm.item.productrow.list',
        { filter: { '=ownerType': 'SI', '=ownerId': input.invoiceId } },
        { rowsKey: 'productRows', fastPath: false, signal: signal() },
      );
      const total = invoiceTotal(rows);
      const helper = await findHelper(input);
      const outcome = { total, currencyId, rowCount: rows.length };
      const fields = invoiceTotalFieldNames(input.helperTypeId);

      if (helper === undefined) {
        const created = await writeWithConnector<{ item: { id: number } }>(
          deps.bitrix24,
          connector,
          input.memberId,
          'crm.item.add',
          {
            entityTypeId: input.helperEntityTypeId,
            // The helper type has no product linking, hence no opportunity/currencyId: the total goes to its own fields.
            fields: {
              title: `Invoice ${input.invoiceId} total`,
              [PARENT_INVOICE_FIELD]: input.invoiceId,
              [fields.total]: total,
              [fields.currency]: currencyId,
            },
          },
          { signal: signal() },
        );
        return { action: 'created', helperId: Number(created.item.id), ...outcome };
      }
      // Money compares to the kopeck; the rest as the shared compare-before-write helper does.
      const changes = changedFields(helper, { [fields.currency]: currencyId });
      const stored = helper[fields.total];
      if (!sameAmount(typeof stored === 'number' || typeof stored === 'string' ? stored : null, total)) changes[fields.total] = total;
      if (Object.keys(changes).length === 0) return { action: 'unchanged', helperId: Number(helper.id), ...outcome };
      await writeWithConnector(
        deps.bitrix24,
        connector,
        input.memberId,
        'crm.item.update',
        { entityTypeId: input.helperEntityTypeId, id: helper.id, fields: changes },
        { signal: signal() },
      );
      return { action: 'updated', helperId: Number(helper.id), ...outcome };
    },

    /** The invoice was deleted: its helper element would only show a total of nothing. */
    async deleteInvoiceTotal(input: InvoiceTotalInput): Promise<InvoiceTotalOutcome> {
      const helper = await findHelper(input);
      if (helper === undefined) return { action: 'nothing-to-delete' };
      try {
        await deps.bitrix24.call(input.memberId, 'crm.item.delete', { entityTypeId: input.helperEntityTypeId, id: helper.id }, { signal: signal() });
      } catch (error) {
        if (!isBitrix24ErrorCode(error, 'NOT_FOUND')) throw error;
      }
      return { action: 'deleted', helperId: Number(helper.id) };
    },
  };
}
