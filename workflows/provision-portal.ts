import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ProvisioningOutcome } from '../activities/provisioning/activities.js';
import { OUTCOMES, SA_OUTCOME } from '../contracts/search-attributes.js';

const { provisionPortal } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  // An install must end provisioned: keep trying through portal outages and rate limits for a day.
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** Started by the install/update callback (`provision/{memberId}`): registers robots, events, placements, types. */
export async function provisionPortalWorkflow(input: { memberId: string }): Promise<ProvisioningOutcome> {
  try {
    const outcome = await provisionPortal(input);
    upsertSearchAttributes([{ key: SA_OUTCOME, value: OUTCOMES.completed }]);
    return outcome;
  } catch (error) {
    upsertSearchAttributes([{ key: SA_OUTCOME, value: OUTCOMES.failed }]);
    throw error;
  }
}
