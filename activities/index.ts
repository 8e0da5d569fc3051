import type { Client } from '@temporalio/client';
import { createEventRouteSource } from '../lib/crm-events/event-routes.js';
import type { PortalStore } from '../lib/portals/store.js';
import type { Bitrix24Caller } from '../integrations/bitrix24/caller.js';
import { createCreditActivities } from './credit/activities.js';
import { createCrmActivities } from './crm/activities.js';
import { createAuthConnectorSource } from './crm/auth-connector.js';
import { createOfflineDrainActivities } from './crm/offline-drain.js';
import { createCrmProcessActivities } from './crm-processes/activities.js';
import type { ErpClient } from '../integrations/erp/client.js';
import { createErpOrderActivities } from './erp-order/activities.js';
import type { FinanceClient } from '../integrations/finance/client.js';
import type { JiraClient } from '../integrations/jira/client.js';
import { createJiraProjectActivities } from './jira-project/activities.js';
import type { OnecClient } from '../integrations/onec/client.js';
import { createOnecActivities } from './onec-price/activities.js';
import { createPortalActivities, type OAuthAppCredentials } from './portal/activities.js';
import { createPortalTeardownActivities } from './portal/teardown.js';
import { createProvisioningActivities } from './provisioning/activities.js';
import { createRobotCompletionActivities } from './robot/completion.js';
import { createRobotCallConfirmationActivities } from './robot/confirm-call.js';
import { createTimelineActivities } from './robot/timeline.js';
import { createSettingsActivities, type ProcessSettings } from './settings.js';

/** Everything the activities need, built once per worker and injected (temporal-practices.md rule 6). */
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
  /** Where the app's handlers live, and overrides for smart-process ids, for provisioning after an install. */
  provisioning?: {
    publicUrl: string;
    claimEntityTypeId?: number | undefined;
    invoiceTotalEntityTypeId?: number | undefined;
    shipmentListIblockId?: number | undefined;
    erpOrderField?: string | undefined;
  };
}

export function createActivities(deps: ActivityDeps) {
  // One answer per portal for every writer and the drain: they must agree on the connector (the queue is split by it).
  const authConnector = createAuthConnectorSource({ bitrix24: deps.bitrix24, portals: deps.portals });
  return {
    ...createRobotCompletionActivities(deps),
    ...createRobotCallConfirmationActivities(deps),
    ...createTimelineActivities(deps),
    ...createPortalActivities(deps),
    ...createPortalTeardownActivities(deps),
    ...createOnecActivities(deps),
    ...createErpOrderActivities(deps),
    ...createCreditActivities(deps),
    ...createJiraProjectActivities(deps),
    ...createSettingsActivities(deps.settings),
    ...createProvisioningActivities({
      bitrix24: deps.bitrix24,
      portals: deps.portals,
      publicUrl: deps.provisioning?.publicUrl ?? '',
      claimEntityTypeId: deps.provisioning?.claimEntityTypeId,
      invoiceTotalEntityTypeId: deps.provisioning?.invoiceTotalEntityTypeId,
      shipmentListIblockId: deps.provisioning?.shipmentListIblockId,
      erpOrderField: deps.provisioning?.erpOrderField,
    }),
    ...createCrmProcessActivities({ ...deps, crm: deps.settings.crm, authConnector }),
    ...createCrmActivities({ ...deps, authConnector }),
    ...createOfflineDrainActivities({
      bitrix24: deps.bitrix24,
      temporal: deps.temporal,
      authConnector,
      eventRoutes: createEventRouteSource({
        config: { CLAIM_ENTITY_TYPE_ID: deps.settings.crm?.claimEntityTypeId },
        portals: deps.portals ?? { settings: async () => ({}) },
      }),
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
