import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { OUTCOMES, SA_OUTCOME } from '../contracts/search-attributes.js';
import type { PortalTeardown } from '../lib/portals/teardown.js';

const { stopPortalWork } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Temporal itself is what is called: keep trying through a frontend restart, not forever.
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Started by ONAPPUNINSTALL (`portal-teardown/{memberId}`) once the credentials were forgotten: the portal's drain and
 * Schedules stop even if the ingress lost its connection right after acknowledging the uninstall.
 */
export async function portalTeardownWorkflow(input: { memberId: string }): Promise<PortalTeardown> {
  const stopped = await stopPortalWork(input);
  upsertSearchAttributes([{ key: SA_OUTCOME, value: OUTCOMES.completed }]);
  return stopped;
}
