import { ApplicationFailure } from '@temporalio/workflow';
import type { EntityPassContext, EntityPassResult, EntityProcessName } from '../../contracts/entity.js';
import { PROCESS_REGISTRY } from '../../workflows/entity/process-registry.js';

// The claim sequence must be registered next to the test workflow: the claim pass starts it with update-with-start.
export { claimSequenceWorkflow } from '../../workflows/processes/claim-sequence.js';

/** Test-only: runs one process pass once, as the entity workflow would, and returns its result. */
export async function runCrmPassWorkflow(input: { process: EntityProcessName; context: EntityPassContext }): Promise<EntityPassResult> {
  const pass = PROCESS_REGISTRY[input.process];
  if (pass === undefined) throw ApplicationFailure.nonRetryable(`unknown process ${input.process}`);
  return pass(input.context);
}
