import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { RobotRefusal } from '../contracts/robot-refusal.js';
import { OUTCOMES, SA_OUTCOME } from '../contracts/search-attributes.js';

const { completeRobot } = proxyActivities<Activities>({
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  // As for every robot answer: the business process waits, so a portal outage is worth a day of retries.
  scheduleToCloseTimeout: '24 hours',
});

/**
 * Tells the business process that the app refused its call, so it moves on instead of waiting: the reason goes into
 * the return value `error` (kept by robots that declare it) and into the log line every robot has.
 */
export async function robotRefusalWorkflow(refusal: RobotRefusal): Promise<{ delivered: boolean }> {
  const { delivered } = await completeRobot({
    memberId: refusal.memberId,
    eventToken: refusal.eventToken,
    returnValues: { error: refusal.reason },
    logMessage: `b24-temporal could not run ${refusal.robotCode}: ${refusal.reason}`,
  });
  upsertSearchAttributes([{ key: SA_OUTCOME, value: OUTCOMES.failed }]);
  return { delivered };
}
