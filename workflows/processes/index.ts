import { ApplicationFailure } from '@temporalio/workflow';
import type { EntityPass } from '../../contracts/entity.js';

/**
 * Placeholders until the CRM processes land (issue 5); the process engineer replaces this file.
 * A pass that throws is caught by the entity workflow, logged and recorded as a failed outcome.
 */
function notImplemented(process: string): EntityPass {
  return async () => {
    throw ApplicationFailure.nonRetryable(`process ${process} is not implemented yet`, 'NotImplemented');
  };
}

export const claimIntakePass: EntityPass = notImplemented('claim-intake');
export const invoiceTotalPass: EntityPass = notImplemented('invoice-total');
export const dealProductsPass: EntityPass = notImplemented('deal-products');
