import { Context, log } from '@temporalio/activity';
import type { ErpClient } from '../../integrations/erp/client.js';
import type { CreateErpOrderInput } from '../../integrations/erp/types.js';

export interface CreateErpOrderActivityInput {
  order: CreateErpOrderInput;
  /**
   * Ask the ERP for an order under this external id before creating one: set by the workflow for every attempt after
   * the first, and implied by any Temporal retry of this activity (a crash or timeout may have hidden a created order).
   */
  lookupFirst: boolean;
}

export interface ErpOrderPlaced {
  orderNumber: string;
  /** How the number was obtained: a new order, an order the ERP already had for the key, or the lookup. */
  via: 'created' | 'existing' | 'lookup';
}

/** The ERP answers in 30–40 s on a bad day: beat every few seconds, at least three times per heartbeat timeout. */
const MAX_HEARTBEAT_INTERVAL_MS = 5_000;

/**
 * One attempt to place the deal's order. ERP failures surface as the classified `ApplicationFailure`s of the ERP
 * client (Erp.Validation, Erp.Rejected, Erp.Unavailable, ...); the workflow decides whether to try again later.
 */
export async function placeErpOrder(erp: ErpClient, input: CreateErpOrderActivityInput): Promise<ErpOrderPlaced> {
  const context = Context.current();
  // A beat exactly at the timeout races the server's timer; a third of it leaves two beats of slack.
  const heartbeatTimeoutMs = context.info.heartbeatTimeoutMs ?? 0;
  const heartbeatIntervalMs =
    heartbeatTimeoutMs > 0 ? Math.min(MAX_HEARTBEAT_INTERVAL_MS, heartbeatTimeoutMs / 3) : MAX_HEARTBEAT_INTERVAL_MS;
  const signal = context.cancellationSignal;
  const { externalId } = input.order;
  const lookupFirst = input.lookupFirst || context.info.attempt > 1;
  let phase: 'lookup' | 'create' = lookupFirst ? 'lookup' : 'create';
  context.heartbeat({ phase });
  // Heartbeats also deliver cancellation: without them the cancellationSignal never fires for a hung SOAP call.
  const beat = setInterval(() => context.heartbeat({ phase }), heartbeatIntervalMs);
  try {
    if (lookupFirst) {
      const found = await erp.findOrderByExternalId(externalId, { signal });
      if (found.found) {
        log.info('ERP already has the order for this deal; not creating another', { externalId });
        return { orderNumber: found.orderNumber, via: 'lookup' };
      }
    }
    phase = 'create';
    const created = await erp.createOrder(input.order, { signal });
    return { orderNumber: created.orderNumber, via: created.created ? 'created' : 'existing' };
  } finally {
    clearInterval(beat);
  }
}
