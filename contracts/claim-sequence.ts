import { defineUpdate } from '@temporalio/workflow';

/**
 * The durable per-(portal, year) claim counter. Sandbox-safe: the workflow and the activity that calls it
 * (activities/crm-processes/claim-sequence.ts) share these definitions.
 */
export const CLAIM_SEQUENCE_WORKFLOW_TYPE = 'claimSequenceWorkflow';

export function claimSequenceWorkflowId(memberId: string, year: number): string {
  return `claim-sequence/${memberId}/${year}`;
}

/** Identifies one claim across retries and repeated events: `{entityTypeId}/{id}`. */
export function claimKey(entityTypeId: number, id: number): string {
  return `${entityTypeId}/${id}`;
}

export function formatClaimNumber(year: number, sequence: number): string {
  return `CL-${year}-${String(sequence).padStart(4, '0')}`;
}

export interface ClaimSequenceInput {
  memberId: string;
  year: number;
  /** Highest number handed out so far; carried across continue-as-new. */
  last?: number;
  /** Number per claim key, so a repeated request answers the number it got before. */
  numbers?: Record<string, number>;
  /** Test hook: continue-as-new after this many new numbers in one run (otherwise when the server suggests it). */
  continueAsNewAfter?: number;
}

export interface ClaimNumberRequest {
  claimKey: string;
}

export interface ClaimNumberAssignment {
  sequence: number;
  number: string;
  /** False when the claim key already had this number. */
  assigned: boolean;
}

export const nextClaimNumberUpdate = defineUpdate<ClaimNumberAssignment, [ClaimNumberRequest]>('claimSequence.nextClaimNumber');
