import { ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { CrmPortalIds, CrmProcessSettings, ReadCrmPortalIdsInput } from '../../activities/crm-processes/settings.js';

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

export const CRM_CONFIG_FAILURE = 'Config.CrmProcessNotConfigured';

/** Worker settings (recorded via the local activity) and the portal's smart-process and list ids. */
export async function crmProcessContext(memberId: string, options: Omit<ReadCrmPortalIdsInput, 'memberId'> = {}): Promise<CrmProcessContext> {
  const worker = await processSettings();
  if (worker.crm === undefined) {
    throw ApplicationFailure.nonRetryable('the worker has no CRM process settings', CRM_CONFIG_FAILURE);
  }
  const ids = await crmActivities.readCrmPortalIds({ memberId, ...options });
  return { settings: worker.crm, ids };
}

export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw ApplicationFailure.nonRetryable(`${what} is not configured for this portal`, CRM_CONFIG_FAILURE);
  return value;
}
