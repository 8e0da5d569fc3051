export const ErpOperationName = {
  CreateOrder: 'CreateOrder',
  FindOrderByExternalId: 'FindOrderByExternalId',
} as const;
export type ErpOperationName = (typeof ErpOperationName)[keyof typeof ErpOperationName];

export const ErpCallOutcome = {
  /** Still waiting out its latency. */
  Pending: 'pending',
  Created: 'created',
  Existing: 'existing',
  Found: 'found',
  NotFound: 'not-found',
  Invalid: 'invalid',
  Rejected: 'rejected',
  Unavailable: 'unavailable',
  ServerError: 'server-error',
  Http500Fault: 'http500-fault',
  Http200Fault: 'http200-fault',
  /** The simulator closed before answering. */
  Dropped: 'dropped',
} as const;
export type ErpCallOutcome = (typeof ErpCallOutcome)[keyof typeof ErpCallOutcome];

/** One SOAP call as the simulator saw it; tests inspect these. */
export interface RecordedCall {
  readonly operation: ErpOperationName;
  readonly externalId: string;
  /** When the request arrived. */
  readonly at: Date;
  readonly outcome: ErpCallOutcome;
  readonly httpStatus?: number;
  readonly faultCode?: string;
  readonly orderNumber?: string;
  /** The client went away before the answer was written (it timed out or was cancelled). */
  readonly clientDisconnected: boolean;
}

export type MutableRecordedCall = { -readonly [Key in keyof RecordedCall]: RecordedCall[Key] };
