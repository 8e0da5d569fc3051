import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { CrmPortalIds, CrmProcessSettings, ReadCrmPortalIdsInput } from '../../activities/crm-processes/settings.js';
import { CONFIG_FAILURES } from '../../contracts/failures/config.js';

const { processSettings } = proxyLocalActivities<Activities>({ startToCloseTimeout: '5 seconds' });

/** Bitrix24 reads and writes of the CRM passes. */
export const crmActivities = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  // A portal outage longer than this fails the pass; the entity workflow's next change (or the offline drain) retries it.
  scheduleToCloseTimeout: '1 hour',
});

export interface CrmProcessContext {
  settings: CrmProcessSettings;
  ids: CrmPortalIds;
}

/** Worker settings (recorded via the local activity) and the portal's smart-process and list ids. */
export async function crmProcessContext(memberId: string, options: Omit<ReadCrmPortalIdsInput, 'memberId'> = {}): Promise<CrmProcessContext> {
  const worker = await processSettings();
  if (worker.crm === undefined) {
    throw CONFIG_FAILURES.create('CrmProcessNotConfigured', 'the worker has no CRM process settings');
  }
  const ids = await crmActivities.readCrmPortalIds({ memberId, ...options });
  return { settings: worker.crm, ids };
}

export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw CONFIG_FAILURES.create('CrmProcessNotConfigured', `${what} is not configured for this portal`);
  return value;
}
