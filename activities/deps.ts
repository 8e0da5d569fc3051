import type { Client } from '@temporalio/client';
import type { Bitrix24Caller } from '../integrations/bitrix24/caller.js';
import type { ErpClient } from '../integrations/erp/client.js';
import type { FinanceClient } from '../integrations/finance/client.js';
import type { JiraClient } from '../integrations/jira/client.js';
import type { OnecClient } from '../integrations/onec/client.js';
import type { PortalStore } from '../lib/portals/store.js';
import type { OAuthAppCredentials } from './portal/activities.js';
import type { ProvisioningDeps } from './provisioning/activities.js';
import type { ProcessSettings } from './settings.js';

/** Everything the activities need, built once per worker (worker/main.ts) and injected into every factory. */
export interface ActivityDeps {
  bitrix24: Bitrix24Caller;
  onec: OnecClient;
  erp: ErpClient;
  /** The credit-limit check's finance system; without it credit lookups fail non-retryably. */
  finance?: FinanceClient;
  /** The Jira robot's site; without it the robot completes with an error. */
  jira?: JiraClient;
  oauth: OAuthAppCredentials | undefined;
  settings: ProcessSettings;
  /** Where provisioning recorded each portal's smart-process and list ids (CRM processes). */
  portals?: PortalStore;
  /** Client for workflows that activities talk to (the claim sequence's update-with-start). */
  temporal?: Client;
  /** Where the app's handlers live, overrides for smart-process ids, and the workflow types, for provisioning. */
  provisioning?: Omit<ProvisioningDeps, 'bitrix24' | 'portals'>;
}
