import qs from 'qs';
import { ApplicationFailure } from '@temporalio/common';
import { workflowInstancesAnswer } from './running-processes.js';

export interface FakeProductRow {
  id: number;
  productId: number;
  productName: string;
  price: number;
  quantity: number;
}

export interface FakeDealSeed {
  id: number;
  title: string;
  assignedById: number;
  currencyId: string;
  companyId?: number;
  /** Value already in the order field, if any. */
  orderId?: string;
  rows: FakeProductRow[];
}

export interface FakeCompany {
  id: number;
  title: string;
}

/** The two shapes a Bitrix24 error takes: thrown by a single call, or listed in a batch's `result_error`. */
class FakeRestError extends Error {
  constructor(
    readonly code: string,
    readonly description: string,
  ) {
    super(description);
  }
}

const PAGE_SIZE = 50;

/**
 * Answers the REST methods the ERP order robot uses, for one deal, the way a portal does: crm.deal.get in UPPER_CASE
 * with numbers as strings, crm.item.get in camelCase, product rows 50 per page with `total`/`next`, `batch` with
 * result/result_error/result_total/result_next, and crm.deal.update that really changes the deal.
 * Plug `answer` into recordingBitrix24.
 */
export function fakeCrmDeal(
  seed: FakeDealSeed,
  options: {
    orderField: string;
    companies?: FakeCompany[];
    /** Whether Bitrix24 runs the business process a robot call names on this deal (false: a forged call). */
    processRunning?: boolean;
  },
) {
  const deal: Record<string, unknown> = {
    ID: String(seed.id),
    TITLE: seed.title,
    ASSIGNED_BY_ID: String(seed.assignedById),
    CURRENCY_ID: seed.currencyId,
    COMPANY_ID: String(seed.companyId ?? 0),
    CONTACT_ID: '0',
    OPPORTUNITY: String(seed.rows.reduce((sum, row) => sum + row.price * row.quantity, 0)),
    [options.orderField]: seed.orderId ?? '',
  };
  const rows = seed.rows.map((row) => ({ ...row, ownerId: seed.id, ownerType: 'D' }));
  let notificationId = 0;

  function execute(method: string, params: Record<string, unknown>): { result: unknown; total?: number; next?: number } {
    switch (method) {
      case 'crm.deal.get':
        requireDeal(params.id);
        return { result: { ...deal } };
      case 'crm.deal.update': {
        requireDeal(params.id);
        const fields = (params.fields ?? {}) as Record<string, unknown>;
        if (Object.keys(fields).length === 0) throw new FakeRestError('', 'The field FIELDS is not defined or invalid.');
        for (const [key, value] of Object.entries(fields)) deal[key.toUpperCase()] = value;
        return { result: true };
      }
      case 'crm.item.get':
        return { result: { item: item(Number(params.entityTypeId), Number(params.id)) } };
      case 'crm.item.productrow.list': {
        const filter = (params.filter ?? {}) as Record<string, unknown>;
        if (filter['=ownerType'] === undefined || filter['=ownerId'] === undefined) {
          throw new FakeRestError('INVALID_ARG_VALUE', 'Filter must contain =ownerType and =ownerId');
        }
        const owned = filter['=ownerType'] === 'D' && Number(filter['=ownerId']) === seed.id ? rows : [];
        const start = Number(params.start ?? 0);
        const page = owned.slice(start, start + PAGE_SIZE);
        const next = start + PAGE_SIZE < owned.length ? start + PAGE_SIZE : undefined;
        return { result: { productRows: page }, total: owned.length, ...(next === undefined ? {} : { next }) };
      }
      case 'bizproc.workflow.instances':
        return {
          result: workflowInstancesAnswer(params, ['crm', 'CCrmDocumentDeal', `DEAL_${seed.id}`], () => options.processRunning ?? true),
        };
      case 'im.notify.system.add':
        notificationId += 1;
        return { result: notificationId };
      case 'bizproc.event.send':
      case 'bizproc.activity.log':
        return { result: true };
      default:
        throw new FakeRestError('ERROR_METHOD_NOT_FOUND', `Method not found: ${method}`);
    }
  }

  function requireDeal(id: unknown): void {
    if (Number(id) !== seed.id) throw new FakeRestError('', 'Not found');
  }

  function item(entityTypeId: number, id: number): Record<string, unknown> {
    if (entityTypeId === 2 && id === seed.id) {
      return { id, title: deal.TITLE, assignedById: Number(deal.ASSIGNED_BY_ID), currencyId: deal.CURRENCY_ID };
    }
    const company = entityTypeId === 4 ? options.companies?.find((candidate) => candidate.id === id) : undefined;
    if (company) return { id, title: company.title };
    throw new FakeRestError('NOT_FOUND', 'Element not found');
  }

  function runBatch(params: Record<string, unknown>): unknown {
    const outcome = {
      result: {} as Record<string, unknown>,
      result_error: {} as Record<string, unknown>,
      result_total: {} as Record<string, number>,
      result_next: {} as Record<string, number>,
    };
    for (const [key, command] of Object.entries((params.cmd ?? {}) as Record<string, string>)) {
      const question = command.indexOf('?');
      const method = question < 0 ? command : command.slice(0, question);
      const query = question < 0 ? {} : (qs.parse(command.slice(question + 1)) as Record<string, unknown>);
      try {
        const answer = execute(method, query);
        outcome.result[key] = answer.result;
        if (answer.total !== undefined) outcome.result_total[key] = answer.total;
        if (answer.next !== undefined) outcome.result_next[key] = answer.next;
      } catch (error) {
        if (!(error instanceof FakeRestError)) throw error;
        outcome.result_error[key] = { error: error.code, error_description: error.description };
      }
    }
    // PHP sends empty groups as [] rather than {}.
    const group = (value: Record<string, unknown>) => (Object.keys(value).length === 0 ? [] : value);
    return {
      result: group(outcome.result),
      result_error: group(outcome.result_error),
      result_total: group(outcome.result_total),
      result_next: group(outcome.result_next),
    };
  }

  return {
    /** The deal as crm.deal.get returns it now. */
    deal,
    answer(method: string, params: Record<string, unknown>): unknown {
      if (method === 'batch') return runBatch(params);
      try {
        return execute(method, params).result;
      } catch (error) {
        if (!(error instanceof FakeRestError)) throw error;
        // What withApplicationFailures makes of a 400 answer.
        throw ApplicationFailure.create({
          type: `Bitrix24.${error.code || 'BAD_REQUEST'}`,
          message: `Bitrix24 ${method}: ${error.description}`,
          nonRetryable: true,
        });
      }
    },
  };
}

/** `count` product rows with distinct products, prices and quantities. */
export function productRows(count: number): FakeProductRow[] {
  return Array.from({ length: count }, (_, index) => ({
    id: 1000 + index,
    productId: 500 + index,
    productName: `Product ${index + 1}`,
    price: 100 + index,
    quantity: (index % 5) + 1,
  }));
}
