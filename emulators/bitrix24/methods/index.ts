import type { MethodTable } from '../method-types.js';
import { appMethods } from './app.js';
import { batchMethods } from './batch.js';
import { bizprocEventMethods } from './bizproc-events.js';
import { bizprocRegistrationMethods } from './bizproc-registrations.js';
import { bizprocWorkflowMethods } from './bizproc-workflows.js';
import { crmDealMethods } from './crm-deals.js';
import { crmItemMethods } from './crm-items.js';
import { crmTypeMethods } from './crm-types.js';
import { departmentMethods } from './departments.js';
import { eventBindingMethods } from './event-bindings.js';
import { featureMethods } from './features.js';
import { listMethods } from './lists.js';
import { notificationMethods } from './notifications.js';
import { offlineEventMethods } from './offline-events.js';
import { placementMethods } from './placements.js';
import { productRowMethods } from './product-rows.js';
import { taskMethods } from './tasks.js';
import { timelineMethods } from './timeline.js';
import { timelineLogListMethods } from './timeline-log-list.js';
import { userFieldConfigMethods } from './userfield-config.js';
import { userAdminMethods } from './user-admin.js';
import { userMethods } from './users.js';

/** Every REST method the emulated portal knows, by lower-case name. */
export const allMethods: MethodTable = {
  ...appMethods,
  ...userMethods,
  ...userAdminMethods,
  ...departmentMethods,
  ...bizprocEventMethods,
  ...bizprocRegistrationMethods,
  ...bizprocWorkflowMethods,
  ...batchMethods,
  ...notificationMethods,
  ...crmItemMethods,
  ...productRowMethods,
  ...crmDealMethods,
  ...crmTypeMethods,
  ...userFieldConfigMethods,
  ...taskMethods,
  ...timelineMethods,
  ...timelineLogListMethods,
  ...eventBindingMethods,
  ...offlineEventMethods,
  ...featureMethods,
  ...placementMethods,
  ...listMethods,
};
