import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { CONFIG_FAILURES } from '../../contracts/failures/config.js';
import { Semaphore } from 'async-mutex';
import {
  CLAIM_SEQUENCE_WORKFLOW_TYPE,
  claimSequenceWorkflowId,
  nextClaimNumberUpdate,
  type ClaimNumberAssignment,
  type ClaimSequenceInput,
} from '../../contracts/claim-sequence.js';

export interface AssignClaimNumberInput {
  memberId: string;
  year: number;
  claimKey: string;
}

/**
 * Temporal admits at most 10 in-flight updates per workflow (history.maxInFlightUpdates) and refuses more with
 * ResourceExhausted; staying below it per worker turns a burst of claims into a queue instead of retries.
 */
export const SEQUENCE_UPDATES_IN_FLIGHT_PER_WORKER = 8;

/**
 * Asks the portal's sequence workflow for the year (starting it on first use) for the claim's number, with
 * update-with-start: the answer for a claim key never changes, so a retried activity gets the same number.
 */
export function createClaimSequenceActivities(deps: { temporal?: Client | undefined }) {
  const gates = new Map<string, Semaphore>();
  const gateOf = (workflowId: string) => {
    let gate = gates.get(workflowId);
    if (gate === undefined) {
      gate = new Semaphore(SEQUENCE_UPDATES_IN_FLIGHT_PER_WORKER);
      gates.set(workflowId, gate);
    }
    return gate;
  };

  return {
    async assignClaimNumber(input: AssignClaimNumberInput): Promise<ClaimNumberAssignment> {
      if (!deps.temporal) {
        throw CONFIG_FAILURES.create('MissingTemporalClient', 'the worker has no Temporal client for the claim sequence');
      }
      const temporal = deps.temporal;
      const workflowId = claimSequenceWorkflowId(input.memberId, input.year);
      const start = new WithStartWorkflowOperation(CLAIM_SEQUENCE_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: Context.current().info.taskQueue,
        args: [{ memberId: input.memberId, year: input.year } satisfies ClaimSequenceInput],
        workflowIdConflictPolicy: 'USE_EXISTING',
        // A sequence that ended (terminated by hand) must not silently restart at 1 and repeat numbers.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      const signal = Context.current().cancellationSignal;
      return gateOf(workflowId).runExclusive(() =>
        temporal.withAbortSignal(signal, () =>
          temporal.workflow.executeUpdateWithStart(nextClaimNumberUpdate, {
            args: [{ claimKey: input.claimKey }],
            startWorkflowOperation: start,
          }),
        ),
      );
    },
  };
}
