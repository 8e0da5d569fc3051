import type { EntityPass, EntityPassContext, EntityPassResult } from '../../contracts/entity.js';
import { crmActivities, crmProcessContext, required } from './process-context.js';

/**
 * Invoice totals: the total of all the smart invoice's product rows, kept in the TOTAL and CURRENCY user fields of the
 * helper smart-process element linked to the invoice (parentId31). Unchanged total: no write. Deleted invoice: its
 * helper element goes too.
 */
export const invoiceTotalPass: EntityPass = async (context: EntityPassContext): Promise<EntityPassResult> => {
  const { ids } = await crmProcessContext(context.memberId, { resolveInvoiceTotalTypeId: true });
  const input = {
    memberId: context.memberId,
    invoiceId: context.entityId,
    helperEntityTypeId: required(ids.invoiceTotalEntityTypeId, 'the invoice-total smart process'),
    helperTypeId: required(ids.invoiceTotalTypeId, 'the invoice-total smart process'),
  };
  if (context.deleted) {
    const removed = await crmActivities.deleteInvoiceTotal(input);
    return { memory: {}, summary: `invoice deleted: helper ${removed.action}` };
  }
  const outcome = await crmActivities.syncInvoiceTotal(input);
  if (outcome.action === 'invoice-missing') return { memory: context.memory, summary: 'invoice not found: nothing to do' };
  return {
    memory: { ...context.memory, total: outcome.total, currencyId: outcome.currencyId, helperId: outcome.helperId },
    summary: `total ${outcome.total} ${outcome.currencyId} (${outcome.rowCount} rows): ${outcome.action}`,
  };
};
