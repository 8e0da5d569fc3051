import type { WorkflowStartOptions } from '@temporalio/client';
import { documentKey } from '../contracts/documents.js';
import { ROBOT_REFUSAL_PROCESS, type RobotRefusal } from '../contracts/robot-refusal.js';
import { OUTCOMES, SA_DOCUMENT, SA_OUTCOME, SA_PORTAL, SA_PROCESS, SA_ROBOT_CODE } from '../contracts/search-attributes.js';
import { eventTokenKey, robotRefusalWorkflowId } from '../contracts/workflow-ids.js';

/**
 * One refusal per event token: a re-delivery finds the running answer (USE_EXISTING) or the finished one
 * (REJECT_DUPLICATE), so the business process is answered once.
 */
export function robotRefusalStartOptions(refusal: RobotRefusal, taskQueue: string) {
  return {
    taskQueue,
    workflowId: robotRefusalWorkflowId(refusal.memberId, eventTokenKey(refusal.eventToken)),
    args: [refusal],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: SA_PORTAL, value: refusal.memberId },
      { key: SA_DOCUMENT, value: documentKey(refusal.documentId) },
      { key: SA_PROCESS, value: ROBOT_REFUSAL_PROCESS },
      { key: SA_ROBOT_CODE, value: refusal.robotCode },
      { key: SA_OUTCOME, value: OUTCOMES.running },
    ],
    staticSummary: `${refusal.robotCode} · call refused: ${refusal.reason}`.slice(0, 200),
  } satisfies WorkflowStartOptions;
}
