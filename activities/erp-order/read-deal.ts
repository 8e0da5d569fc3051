import { batch, type BatchCommand, type BatchOutcome } from '../../integrations/bitrix24/batch.js';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import { ERP_ORDER_FAILURES } from '../../contracts/erp-order.js';
import type { ErpCustomer, ErpOrderLine } from '../../integrations/erp/types.js';
import type { ErpOrderDeal, ReadDealInput } from './types.js';

/** List methods answer 50 rows per page (b24restdocs settings/how-to-call-rest-api/list-methods-pecularities.md). */
const PAGE_SIZE = 50;

type Row = Record<string, unknown>;

/**
 * Reads the deal and every product row with as few requests as `batch` allows: the deal and the first page in one
 * call, then all remaining pages (and the customer) in one more call per 50 pages.
 */
export async function readDealForErpOrder(
  bitrix24: Bitrix24Caller,
  input: ReadDealInput,
  signal?: AbortSignal,
): Promise<ErpOrderDeal> {
  const { memberId, dealId } = input;
  const first = await batch(
    bitrix24,
    memberId,
    { deal: { method: 'crm.deal.get', params: { id: dealId } }, rows0: rowsPage(dealId, 0) },
    { signal },
  );
  const deal = requireResult<Row>(first, 'deal', dealId);
  const rows = rowsOf(requireResult(first, 'rows0', dealId));
  const summary = {
    dealId,
    title: text(deal.TITLE),
    assignedById: Number(deal.ASSIGNED_BY_ID) || 0,
    currency: text(deal.CURRENCY_ID),
    existingOrderId: text(deal[input.orderField]).trim(),
  };
  const fallbackCustomer: ErpCustomer = { id: `deal-${dealId}`, name: summary.title || `Deal ${dealId}` };
  // The order exists already: the robot only reports it, so the remaining pages are not worth reading.
  if (summary.existingOrderId !== '') return { ...summary, customer: fallbackCustomer, lines: [] };

  const total = first.totals.rows0 ?? rows.length;
  const rest: Record<string, BatchCommand> = {};
  for (let start = PAGE_SIZE; start < total; start += PAGE_SIZE) rest[`rows${start}`] = rowsPage(dealId, start);
  const customerCommand = customerLookup(deal);
  if (customerCommand) rest.customer = customerCommand;

  let customer: ErpCustomer | undefined;
  if (Object.keys(rest).length > 0) {
    const second = await batch(bitrix24, memberId, rest, { signal });
    for (let start = PAGE_SIZE; start < total; start += PAGE_SIZE) {
      rows.push(...rowsOf(requireResult(second, `rows${start}`, dealId)));
    }
    customer = customerOf(deal, second.results.customer);
  }

  return { ...summary, customer: customer ?? fallbackCustomer, lines: rows.map(toOrderLine) };
}

function rowsPage(dealId: number, start: number): BatchCommand {
  return {
    method: 'crm.item.productrow.list',
    params: { filter: { '=ownerType': 'D', '=ownerId': dealId }, order: { id: 'asc' }, start },
  };
}

function customerLookup(deal: Row): BatchCommand | undefined {
  const companyId = Number(deal.COMPANY_ID) || 0;
  if (companyId > 0) return { method: 'crm.item.get', params: { entityTypeId: 4, id: companyId } };
  const contactId = Number(deal.CONTACT_ID) || 0;
  if (contactId > 0) return { method: 'crm.item.get', params: { entityTypeId: 3, id: contactId } };
  return undefined;
}

/** The deal's company (or contact) as the ERP customer; undefined when it could not be read. */
function customerOf(deal: Row, result: unknown): ErpCustomer | undefined {
  const item = (result as { item?: Row } | undefined)?.item;
  if (!item) return undefined;
  const companyId = Number(deal.COMPANY_ID) || 0;
  if (companyId > 0) return { id: `company-${companyId}`, name: text(item.title) || `Company ${companyId}` };
  const contactId = Number(deal.CONTACT_ID) || 0;
  const name = [text(item.name), text(item.lastName)].filter(Boolean).join(' ');
  return { id: `contact-${contactId}`, name: name || `Contact ${contactId}` };
}

function toOrderLine(row: Row): ErpOrderLine {
  const productId = Number(row.productId) || 0;
  return {
    // A free-text row has productId 0; its row id keeps it distinct in the ERP.
    productId: productId > 0 ? String(productId) : `row-${text(row.id)}`,
    productName: text(row.productName),
    quantity: Number(row.quantity),
    price: Number(row.price),
  };
}

function requireResult<T = unknown>(outcome: BatchOutcome, key: string, dealId: number): T {
  const error = outcome.errors[key];
  if (error) {
    const notFound = /not found/i.test(error.error_description) || error.error === 'NOT_FOUND';
    // Access and validation answers will not change on a retry; anything else (limits, overload) may.
    const permanent = notFound || error.error === 'ACCESS_DENIED' || error.error === '';
    const message = `Deal ${dealId} could not be read (${error.error || 'error'}: ${error.error_description.slice(0, 200)})`;
    throw ERP_ORDER_FAILURES.create(notFound ? 'DealNotFound' : 'DealUnreadable', message, { retryable: !permanent });
  }
  if (!(key in outcome.results)) {
    const message = `batch answered without ${key}`;
    throw ERP_ORDER_FAILURES.create('DealUnreadable', message);
  }
  return outcome.results[key] as T;
}

function rowsOf(result: unknown): Row[] {
  const rows = (result as { productRows?: unknown } | undefined)?.productRows;
  return Array.isArray(rows) ? (rows as Row[]) : [];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}
