/** A CRM write requested by an external system through POST /api/v1/items. */
export interface ExternalWriteInput {
  memberId: string;
  idempotencyKey: string;
  entityTypeId: number;
  /** Absent: create the item. Present: update it (only fields that differ are sent). */
  id?: number;
  /** camelCase field names, as crm.item.add / crm.item.update take them. */
  fields: Record<string, unknown>;
}

export interface ExternalWriteResult {
  entityTypeId: number;
  id: number;
  created: boolean;
  /** False when the item already held every value. */
  written: boolean;
  changedFields: string[];
}

export const EXTERNAL_WRITE_WORKFLOW_TYPE = 'externalWriteWorkflow';

/**
 * The caller's key is the business key: the same key always names the same run. Keys are the caller's own per
 * portal, so two portals (two API keys) using the same idempotency key never meet.
 */
export function externalWriteWorkflowId(memberId: string, idempotencyKey: string): string {
  return `write/${memberId}/${idempotencyKey}`;
}
