import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  CLAIM_SEQUENCE_WORKFLOW_TYPE,
  claimSequenceWorkflowId,
  nextClaimNumberUpdate,
  type ClaimNumberAssignment,
  type ClaimSequenceInput,
} from '../../workflows/processes/claim-sequence-messages.js';

export interface AssignClaimNumberInput {
  memberId: string;
  year: number;
  claimKey: string;
}

/**
 * Asks the portal's sequence workflow for the year (starting it on first use) for the claim's number, with
 * update-with-start: the answer for a claim key never changes, so a retried activity gets the same number.
 */
export function createClaimSequenceActivities(deps: { temporal?: Client | undefined }) {
  return {
    async assignClaimNumber(input: AssignClaimNumberInput): Promise<ClaimNumberAssignment> {
      if (!deps.temporal) {
        throw ApplicationFailure.nonRetryable('the worker has no Temporal client for the claim sequence', 'Config.MissingTemporalClient');
      }
      const start = new WithStartWorkflowOperation(CLAIM_SEQUENCE_WORKFLOW_TYPE, {
        workflowId: claimSequenceWorkflowId(input.memberId, input.year),
        taskQueue: Context.current().info.taskQueue,
        args: [{ memberId: input.memberId, year: input.year } satisfies ClaimSequenceInput],
        workflowIdConflictPolicy: 'USE_EXISTING',
        // A sequence that ended (terminated by hand) must not silently restart at 1 and repeat numbers.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      return deps.temporal.workflow.executeUpdateWithStart(nextClaimNumberUpdate, {
        args: [{ claimKey: input.claimKey }],
        startWorkflowOperation: start,
      });
    },
  };
}
