import { createEventRouteSource } from '../lib/crm-events/event-routes.js';
import { createCrmActivities } from './crm/activities.js';
import { createAuthConnectorSource } from './crm/auth-connector.js';
import { createOfflineDrainActivities } from './crm/offline-drain.js';
import { createCrmProcessActivities } from './crm-processes/activities.js';
import type { ActivityDeps } from './deps.js';
import { createPortalActivities } from './portal/activities.js';
import { createPortalTeardownActivities } from './portal/teardown.js';
import { createProvisioningActivities } from './provisioning/activities.js';
import { createRobotCompletionActivities } from './robot/completion.js';
import { createRobotCallConfirmationActivities } from './robot/confirm-call.js';
import { createRobotFinishActivities } from './robot/finish-run.js';
import { createTimelineActivities } from './robot/timeline.js';
import { ROBOT_MODULES, type RobotActivities } from './robots.js';
import { createSettingsActivities } from './settings.js';

export type { ActivityDeps } from './deps.js';

/** The activities of every declared robot (activities/robots.ts), from the one set of worker dependencies. */
function createRobotActivities(deps: ActivityDeps): RobotActivities {
  const factories = Object.values(ROBOT_MODULES).map((module) => module.activities);
  return Object.assign({}, ...factories.map((factory) => factory(deps))) as RobotActivities;
}

export function createActivities(deps: ActivityDeps) {
  // One answer per portal for every writer and the drain: they must agree on the connector (the queue is split by it).
  const authConnector = createAuthConnectorSource({ bitrix24: deps.bitrix24, portals: deps.portals });
  return {
    ...createRobotCompletionActivities(deps),
    ...createRobotCallConfirmationActivities(deps),
    ...createRobotFinishActivities(deps),
    ...createTimelineActivities(deps),
    ...createPortalActivities(deps),
    ...createPortalTeardownActivities(deps),
    ...createRobotActivities(deps),
    ...createSettingsActivities(deps.settings),
    ...createProvisioningActivities({ bitrix24: deps.bitrix24, portals: deps.portals, publicUrl: '', ...deps.provisioning }),
    ...createCrmProcessActivities({ ...deps, crm: deps.settings.crm, authConnector }),
    ...createCrmActivities({ ...deps, authConnector }),
    ...createOfflineDrainActivities({
      bitrix24: deps.bitrix24,
      temporal: deps.temporal,
      authConnector,
      eventRoutes: createEventRouteSource({
        config: { CLAIM_ENTITY_TYPE_ID: deps.settings.crm?.claimEntityTypeId, INVOICE_TOTAL_ENTITY_TYPE_ID: deps.settings.crm?.invoiceTotalEntityTypeId },
        portals: deps.portals ?? { settings: async () => ({}) },
      }),
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
