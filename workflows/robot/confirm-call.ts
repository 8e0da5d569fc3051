import { ActivityFailure, ApplicationFailure, log, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { RobotCall, RobotOutcome } from '../../contracts/robot-call.js';
import { OUTCOMES } from '../../contracts/search-attributes.js';
import { setOutcome } from './finish.js';

/** Runs started before robot calls were confirmed with Bitrix24 replay without the check. */
export const ROBOT_CALL_CONFIRMATION_PATCH = 'robot-call-confirmed-by-bitrix24';

const { confirmRobotCall } = proxyActivities<Activities>({
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  // As long as the robots wait for the portal's own reads; after that the call is refused rather than trusted.
  scheduleToCloseTimeout: '1 hour',
});

const { completeRobot } = proxyActivities<Activities>({
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/**
 * Asks Bitrix24 whether the business process the call names runs on its document (docs/security.md). Returns why not,
 * or null when it does — and null when replaying a run that started before this check existed.
 */
export async function whyRobotCallIsUnconfirmed(call: RobotCall): Promise<string | null> {
  if (!patched(ROBOT_CALL_CONFIRMATION_PATCH)) return null;
  try {
    const check = await confirmRobotCall({
      memberId: call.memberId,
      bizprocWorkflowId: call.bizprocWorkflowId,
      documentId: call.documentId,
    });
    return check.confirmed ? null : check.reason;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const cause = error.cause instanceof ApplicationFailure ? error.cause.message : (error.cause?.message ?? error.message);
    return `the call could not be confirmed with Bitrix24 (${cause})`;
  }
}

/**
 * Answers a call that did not check out with an error through bizproc.event.send, and does nothing else: no timeline
 * line, no notification. A forged call's event token is refused by Bitrix24 (`delivered: false`), which is fine.
 */
export async function refuseUnconfirmedCall<R extends Record<string, unknown>>(
  call: RobotCall,
  returnValues: R,
  reason: string,
): Promise<RobotOutcome<R>> {
  const logMessage = `Not run: ${reason}`;
  log.warn('Robot call not confirmed by Bitrix24; nothing is done', { reason });
  setOutcome(OUTCOMES.failed);
  let delivered = false;
  try {
    ({ delivered } = await completeRobot({ memberId: call.memberId, eventToken: call.eventToken, returnValues, logMessage }));
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn('The refusal could not be sent to Bitrix24', { reason: error.cause?.message ?? error.message });
  }
  return { returnValues, logMessage, delivered };
}
