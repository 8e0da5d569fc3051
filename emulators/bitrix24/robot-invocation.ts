/** Robot and BP-activity calls as the emulated business process keeps them while they wait (status, late sends). */
export const ROBOT_STATUS = { waiting: 'waiting', completed: 'completed', timedOut: 'timed_out' } as const;
export type RobotStatus = (typeof ROBOT_STATUS)[keyof typeof ROBOT_STATUS];

export const LATE_REASON = { alreadyCompleted: 'already_completed', timedOut: 'timed_out', notSubscribed: 'not_subscribed' } as const;
export type LateReason = (typeof LATE_REASON)[keyof typeof LATE_REASON];

export interface LateSend {
  at: number;
  reason: LateReason;
  returnValues: Record<string, unknown>;
  logMessage?: string;
}

/** One robot / BP-activity instance waiting in the emulated business process. */
export interface RobotInvocation {
  eventToken: string;
  code: string;
  handlerUrl: string;
  bizprocWorkflowId: string;
  activityName: string;
  documentId: [string, string, string];
  documentType: [string, string, string];
  properties: Record<string, unknown>;
  useSubscription: boolean;
  timeoutDuration: number;
  firedAt: number;
  /** How many times the call was delivered (duplicates included). */
  deliveries: number;
  status: RobotStatus;
  completedAt?: number;
  returnValues?: Record<string, unknown>;
  /** Every line written to the BP log: bizproc.activity.log lines and the LOG_MESSAGE of the accepted send. */
  logMessages: string[];
  lateSends: LateSend[];
}
