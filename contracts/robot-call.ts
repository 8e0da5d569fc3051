/**
 * What a robot or BP-activity workflow receives: the call as Bitrix24 sent it, minus the `auth` block.
 * Tokens never enter workflow inputs; activities fetch credentials from the portal store.
 */
export interface RobotCall<P = Record<string, unknown>> {
  memberId: string;
  domain: string;
  robotCode: string;
  /** Bitrix24's business-process instance id (`workflow_id` in the call). */
  bizprocWorkflowId: string;
  /** `[module, documentClass, id]`, e.g. `['crm', 'CCrmDocumentDeal', 'DEAL_123']`. */
  documentId: [string, string, string];
  documentType: [string, string, string];
  eventToken: string;
  properties: P;
  useSubscription: boolean;
  /** Seconds Bitrix24 waits for bizproc.event.send; 0 means it waits forever. */
  timeoutDuration: number;
  /** Unix seconds when Bitrix24 dispatched the call. */
  ts: number;
  /** The user the call's token belongs to, when Bitrix24 sent one. */
  userId?: number;
}

/** What a robot workflow reports to Bitrix24 and returns as its result. */
export interface RobotOutcome<R = Record<string, unknown>> {
  returnValues: R;
  logMessage: string;
  /** False when Bitrix24 was no longer waiting (ACCESS_DENIED from bizproc.event.send, or past timeout_duration). */
  delivered: boolean;
}
