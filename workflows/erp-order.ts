import { ActivityFailure, ApplicationFailure, log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ErpOrderDeal } from '../activities/erp-order/types.js';
import { ENTITY_TYPE, parseDocumentId } from '../contracts/documents.js';
import { erpOrderExternalId } from '../contracts/erp-order.js';
import type { RobotCall } from '../contracts/robot-call.js';
import type { ERP_CREATE_ORDER, RobotCallOf, RobotOutcomeOf } from '../contracts/robot-declarations.js';
import { OUTCOMES } from '../contracts/search-attributes.js';
import { placeOrderWithRetries } from './erp/place-order.js';
import { refuseUnconfirmedCall, whyRobotCallIsUnconfirmed } from './robot/confirm-call.js';
import { finishRobot } from './robot/finish.js';

const { processSettings } = proxyLocalActivities<Activities>({ startToCloseTimeout: '5 seconds' });

const crm = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  // A portal outage longer than this ends the run with an error instead of keeping the robot silent.
  scheduleToCloseTimeout: '1 hour',
});

type ErpOrderOutcome = RobotOutcomeOf<typeof ERP_CREATE_ORDER>;

/**
 * Robot erp_create_order: creates the ERP order for the deal (once per deal, whatever happens), writes its number
 * to the deal, notifies the responsible user and returns `erp_order_id` (or `error`).
 */
export async function erpOrderWorkflow(call: RobotCallOf<typeof ERP_CREATE_ORDER>): Promise<ErpOrderOutcome> {
  const settings = await processSettings();
  // Before anything that leaves a trace (order, notification, timeline line): Bitrix24 must confirm the call.
  const unconfirmed = await whyRobotCallIsUnconfirmed(call);
  if (unconfirmed !== null) return refuseUnconfirmedCall(call, { erp_order_id: '', error: `Not run: ${unconfirmed}` }, unconfirmed);

  const document = parseDocumentId(call.documentId);
  if (!document || document.entityTypeId !== ENTITY_TYPE.deal) {
    return finishWithError(call, `The ERP order robot works on deals only, not on ${call.documentId[2]}`);
  }

  let deal: ErpOrderDeal;
  try {
    const { erpOrderField: orderField } = settings;
    deal = await crm.readDealForErpOrder({ memberId: call.memberId, dealId: document.id, orderField });
  } catch (error) {
    return finishWithError(call, `Deal ${document.id} could not be read: ${reasonOf(error)}`);
  }
  if (deal.existingOrderId !== '') {
    return finishRobot(
      call,
      { erp_order_id: deal.existingOrderId, error: '' },
      `The deal already has ERP order ${deal.existingOrderId}; no new order was created`,
    );
  }
  if (deal.lines.length === 0) {
    return refuse(call, deal, 'the deal has no products, and the ERP takes no order without lines');
  }

  const placed = await placeOrderWithRetries(
    call,
    {
      externalId: erpOrderExternalId(call.memberId, deal.dealId),
      customer: deal.customer,
      currency: deal.currency,
      lines: deal.lines,
    },
    settings,
  );
  switch (placed.kind) {
    case 'refused':
      return refuse(call, deal, `the ERP refused the order: ${placed.reason}`);
    case 'gaveUp':
      return refuse(call, deal, `the ERP could not be reached after ${placed.attempts} attempts (${placed.reason})`);
    case 'placed':
      return recordOrder(call, deal, placed.orderNumber, settings.erpOrderField);
  }
}

async function recordOrder(
  call: RobotCall,
  deal: ErpOrderDeal,
  orderNumber: string,
  orderField: string,
): Promise<ErpOrderOutcome> {
  try {
    await crm.writeErpOrderId({ memberId: call.memberId, dealId: deal.dealId, orderField, orderNumber });
  } catch (error) {
    // The order exists in the ERP: report its number even though the deal field could not be written.
    const reason = reasonOf(error);
    const problem = `ERP order ${orderNumber} was created, but the deal field ${orderField} could not be written: ${reason}`;
    await notify(call, deal, `${dealLink(deal)}: ${problem}`);
    return finishRobot(call, { erp_order_id: orderNumber, error: problem }, problem, OUTCOMES.failed);
  }
  await notify(call, deal, `ERP order ${orderNumber} was created for ${dealLink(deal)}`);
  return finishRobot(call, { erp_order_id: orderNumber, error: '' }, `ERP order ${orderNumber} created`);
}

/** No order: the responsible user hears why, once, and the robot completes with `error`. */
async function refuse(call: RobotCall, deal: ErpOrderDeal, reason: string): Promise<ErpOrderOutcome> {
  await notify(call, deal, `No ERP order for ${dealLink(deal)}: ${reason}`);
  return finishWithError(call, `No ERP order: ${reason}`);
}

function finishWithError(call: RobotCall, message: string): Promise<ErpOrderOutcome> {
  return finishRobot(call, { erp_order_id: '', error: message }, message, OUTCOMES.failed);
}

async function notify(call: RobotCall, deal: ErpOrderDeal, message: string): Promise<void> {
  if (deal.assignedById <= 0) return;
  try {
    await crm.notifyErpOrderResponsible({ memberId: call.memberId, userId: deal.assignedById, message });
  } catch (error) {
    // The robot's own result still reaches the business process; a missing notification must not hold it back.
    log.warn('Could not notify the responsible user about the ERP order', { reason: reasonOf(error) });
  }
}

function dealLink(deal: ErpOrderDeal): string {
  return `[URL=/crm/deal/details/${deal.dealId}/]${deal.title || `deal ${deal.dealId}`}[/URL]`;
}

function reasonOf(error: unknown): string {
  if (!(error instanceof ActivityFailure)) throw error;
  return error.cause instanceof ApplicationFailure ? error.cause.message : (error.cause?.message ?? error.message);
}
