import type { Bitrix24Caller } from './bitrix24/caller.js';
import type { OnecClient } from './onec/client.js';
import { createOnecActivities } from './onec/activities.js';
import { createPortalActivities, type OAuthAppCredentials } from './portal/activities.js';
import { createRobotCompletionActivities } from './robot/completion.js';
import { createSettingsActivities, type ProcessSettings } from './settings.js';

/** Everything the activities need, built once per worker and injected (temporal-practices.md rule 6). */
export interface ActivityDeps {
  bitrix24: Bitrix24Caller;
  onec: OnecClient;
  oauth: OAuthAppCredentials | undefined;
  settings: ProcessSettings;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createRobotCompletionActivities(deps),
    ...createPortalActivities(deps),
    ...createOnecActivities(deps),
    ...createSettingsActivities(deps.settings),
  };
}

export type Activities = ReturnType<typeof createActivities>;
