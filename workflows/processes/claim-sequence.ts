import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  formatClaimNumber,
  nextClaimNumberUpdate,
  type ClaimNumberAssignment,
  type ClaimSequenceInput,
} from '../../contracts/claim-sequence.js';

/**
 * Hands out gapless claim numbers for one portal and year. The update handler is synchronous, so concurrent
 * requests are numbered one at a time in the order the workflow accepts them: no gaps, no duplicates.
 */
export async function claimSequenceWorkflow(input: ClaimSequenceInput): Promise<void> {
  let last = input.last ?? 0;
  const numbers: Record<string, number> = { ...input.numbers };
  let assignedInRun = 0;

  setHandler(
    nextClaimNumberUpdate,
    ({ claimKey }): ClaimNumberAssignment => {
      const known = numbers[claimKey];
      if (known !== undefined) return { sequence: known, number: formatClaimNumber(input.year, known), assigned: false };
      last += 1;
      assignedInRun += 1;
      numbers[claimKey] = last;
      return { sequence: last, number: formatClaimNumber(input.year, last), assigned: true };
    },
    {
      validator: ({ claimKey }) => {
        if (typeof claimKey !== 'string' || claimKey === '') throw new Error('claimKey is required');
      },
    },
  );

  await condition(
    () =>
      workflowInfo().continueAsNewSuggested ||
      (input.continueAsNewAfter !== undefined && assignedInRun >= input.continueAsNewAfter),
  );
  await condition(allHandlersFinished);
  await continueAsNew<typeof claimSequenceWorkflow>({ ...input, last, numbers });
}
