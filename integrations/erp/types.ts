/** Plain-JSON shapes of the ERP client (safe as activity inputs and outputs). */

export interface ErpCustomer {
  readonly id: string;
  readonly name: string;
}

export interface ErpOrderLine {
  readonly productId: string;
  readonly productName: string;
  readonly quantity: number;
  readonly price: number;
}

export interface CreateErpOrderInput {
  /** Idempotency key: the ERP never creates two orders for one external id (the deal reference). */
  readonly externalId: string;
  readonly customer: ErpCustomer;
  /** ISO 4217 code, e.g. `RUB`. */
  readonly currency: string;
  readonly lines: readonly ErpOrderLine[];
}

export interface CreateErpOrderResult {
  readonly orderNumber: string;
  /** `false` when an order for this external id already existed (a retried or repeated call). */
  readonly created: boolean;
}

export type FindErpOrderResult = { readonly found: true; readonly orderNumber: string } | { readonly found: false };

export interface ErpCallOptions {
  /** Cancels the HTTP request, e.g. the activity's `cancellationSignal`. */
  readonly signal?: AbortSignal;
}
