import { ApplicationFailure } from '@temporalio/workflow';
import type { EntityPass, EntityPassContext, EntityPassResult, EntityProcessName } from '../../contracts/entity.js';
import { claimIntakePass, dealProductsPass, invoiceTotalPass } from '../../workflows/processes/index.js';

// The claim sequence must be registered next to the test workflow: the claim pass starts it with update-with-start.
export { claimSequenceWorkflow } from '../../workflows/processes/claim-sequence.js';

const PASSES: Record<EntityProcessName, EntityPass> = {
  'claim-intake': claimIntakePass,
  'invoice-total': invoiceTotalPass,
  'deal-products': dealProductsPass,
};

/** Test-only: runs one process pass once, as the entity workflow would, and returns its result. */
export async function runCrmPassWorkflow(input: { process: EntityProcessName; context: EntityPassContext }): Promise<EntityPassResult> {
  const pass = PASSES[input.process];
  if (pass === undefined) throw ApplicationFailure.nonRetryable(`unknown process ${input.process}`);
  return pass(input.context);
}
