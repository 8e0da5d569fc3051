import type { OrderRequest } from './create-order-request.js';

export interface SimulatedOrder extends OrderRequest {
  readonly orderNumber: string;
  readonly createdAt: Date;
}

/** The ERP's orders, keyed by external id: the key makes a second order for the same deal impossible. */
export class OrderBook {
  readonly #byExternalId = new Map<string, SimulatedOrder>();
  #lastSequence = 0;

  get orders(): ReadonlyMap<string, SimulatedOrder> {
    return this.#byExternalId;
  }

  find(externalId: string): SimulatedOrder | undefined {
    return this.#byExternalId.get(externalId);
  }

  /** Synchronous check-and-insert, so concurrent requests for one external id cannot both create. */
  createOnce(request: OrderRequest): { order: SimulatedOrder; created: boolean } {
    const existing = this.#byExternalId.get(request.externalId);
    if (existing) return { order: existing, created: false };
    this.#lastSequence += 1;
    const order: SimulatedOrder = {
      ...request,
      orderNumber: `ERP-${String(this.#lastSequence).padStart(6, '0')}`,
      createdAt: new Date(),
    };
    this.#byExternalId.set(request.externalId, order);
    return { order, created: true };
  }
}
