import { externalIdOf, parseCreateOrderRequest } from './create-order-request.js';
import { InjectedFailureKind, type FaultPlan } from './fault-plan.js';
import type { OrderBook } from './order-book.js';
import { ErpCallOutcome, ErpOperationName } from './recorded-call.js';

/** SOAP 1.1 fault codes the ERP answers with, as erp.wsdl documents them. */
export const ERP_FAULT_CODE = {
  validation: 'soap:Client.Validation',
  businessRejection: 'soap:Client.BusinessRejection',
  unavailable: 'soap:Server.Unavailable',
  server: 'soap:Server',
} as const;

/** What the simulated ERP answers to one call, before it is written to HTTP. */
export type ErpAnswer =
  | { readonly kind: 'result'; readonly outcome: ErpCallOutcome; readonly body: Record<string, unknown> }
  | {
      readonly kind: 'fault';
      readonly outcome: ErpCallOutcome;
      readonly faultCode: string;
      readonly message: string;
      readonly httpStatus: 200 | 500;
    }
  | { readonly kind: 'raw'; readonly outcome: ErpCallOutcome; readonly httpStatus: number; readonly body: string };

/** Failures a maintenance page or a broken gateway gives at once, before the ERP spends time on the call. */
export function immediateFailure(plan: FaultPlan, now: Date): ErpAnswer | undefined {
  if (plan.isOutage(now)) return unavailable();
  switch (plan.takeInjectedFailure()) {
    case undefined:
      return undefined;
    case InjectedFailureKind.Unavailable:
      return unavailable();
    case InjectedFailureKind.Server:
      return { kind: 'raw', outcome: ErpCallOutcome.ServerError, httpStatus: 500, body: 'Internal Server Error' };
    case InjectedFailureKind.Http500Fault:
      return fault(ErpCallOutcome.Http500Fault, ERP_FAULT_CODE.server, 'Internal error while processing the order', 500);
    case InjectedFailureKind.Http200Fault:
      return fault(ErpCallOutcome.Http200Fault, ERP_FAULT_CODE.server, 'Internal error while processing the order', 200);
  }
}

export function answerOperation(
  operation: ErpOperationName,
  args: unknown,
  book: OrderBook,
  plan: FaultPlan,
): ErpAnswer {
  return operation === ErpOperationName.CreateOrder ? createOrder(args, book, plan) : findOrder(args, book);
}

function createOrder(args: unknown, book: OrderBook, plan: FaultPlan): ErpAnswer {
  const parsed = parseCreateOrderRequest(args);
  if (!parsed.ok) return fault(ErpCallOutcome.Invalid, ERP_FAULT_CODE.validation, parsed.problem, 500);
  const { externalId } = parsed.request;
  // An order that already exists is returned even if its id was rejected later: idempotency comes first.
  const rejection = book.find(externalId) ? undefined : plan.rejectionFor(externalId);
  if (rejection !== undefined) return fault(ErpCallOutcome.Rejected, ERP_FAULT_CODE.businessRejection, rejection, 500);
  const { order, created } = book.createOnce(parsed.request);
  return {
    kind: 'result',
    outcome: created ? ErpCallOutcome.Created : ErpCallOutcome.Existing,
    body: { OrderNumber: order.orderNumber, Created: created },
  };
}

function findOrder(args: unknown, book: OrderBook): ErpAnswer {
  const externalId = externalIdOf(args);
  if (!externalId) return fault(ErpCallOutcome.Invalid, ERP_FAULT_CODE.validation, 'ExternalId is required', 500);
  const order = book.find(externalId);
  return order
    ? { kind: 'result', outcome: ErpCallOutcome.Found, body: { Found: true, OrderNumber: order.orderNumber } }
    : { kind: 'result', outcome: ErpCallOutcome.NotFound, body: { Found: false } };
}

function unavailable(): ErpAnswer {
  return fault(ErpCallOutcome.Unavailable, ERP_FAULT_CODE.unavailable, 'ERP is in maintenance, try again later', 500);
}

function fault(outcome: ErpCallOutcome, faultCode: string, message: string, httpStatus: 200 | 500): ErpAnswer {
  return { kind: 'fault', outcome, faultCode, message, httpStatus };
}
