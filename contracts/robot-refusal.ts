/**
 * A robot or BP-activity call that is authentic but cannot be served (a property fails validation, or a code this app
 * no longer declares). Bitrix24 never re-sends the call and the business process waits for an answer (forever with
 * timeout_duration 0), so the refusal itself is answered through bizproc.event.send.
 */
export interface RobotRefusal {
  memberId: string;
  robotCode: string;
  eventToken: string;
  documentId: [string, string, string];
  /** What is wrong, for the business-process log: field names and rules, never values or tokens. */
  reason: string;
}

export const ROBOT_REFUSAL_WORKFLOW_TYPE = 'robotRefusalWorkflow';
export const ROBOT_REFUSAL_PROCESS = 'robot-refusal';
