import type { ListState } from './shipment-list.js';
import type { SmartProcessKey } from './smart-processes.js';

/** An `event.bind` registration; offline bindings have no handler. */
export interface EventBinding {
  event: string;
  handler: string;
  offline: boolean;
  /** `auth_type`: the user whose token deliveries carry; 0 = the user who caused the event. */
  authType: number;
  /** `options` sent with event.bind (ONOFFLINEEVENT's `minTimeout`); `event.get` does not return them. */
  options?: Record<string, number>;
  /**
   * Offline only: the `auth_connector` it was bound with ('' for none), as `event.get` lists it (`connector_id`).
   * Bitrix24 queues its records under that connector and unbinds it only when the unbind passes the same one.
   */
  connector?: string;
}

export interface PlacementBinding {
  placement: string;
  handler: string;
  title: string;
  description: string;
}

export interface CrmTypeRow {
  id: number;
  entityTypeId: number;
  title: string;
  [field: string]: unknown;
}

export interface UserFieldRow {
  entityId: string;
  fieldName: string;
  userTypeId: string;
  multiple: string;
  mandatory: string;
  [field: string]: unknown;
}

/** What a portal has, as its REST API tells it. Robot and activity definitions are not readable: only their codes. */
export interface PortalState {
  robots: string[];
  activities: string[];
  eventBindings: EventBinding[];
  placements: PlacementBinding[];
  crmTypes: CrmTypeRow[];
  /** CRM user fields of our smart processes (entityId `CRM_{typeId}`). */
  userFields: UserFieldRow[];
  /** Names from the `events` method, or null when the portal does not answer it. */
  availableEvents: string[] | null;
  /** The shipment list (configured id, else recorded id, else our code) with its fields, or null when there is none. */
  shipmentList: ListState | null;
  /** The error code that shows the app cannot use lists on this portal (no scope, not in the plan), if any. */
  listsUnavailable?: string;
  /** Deal user fields (entityId `CRM_DEAL`). */
  dealUserFields: UserFieldRow[];
  /** Whether the plan has `rest_auth_connector` (feature.get): calls may carry AUTH_CONNECTOR. */
  authConnector: boolean;
}

/**
 * What provisioning itself recorded about a portal (kept in the portal's settings, see record.ts). Bitrix24 returns
 * only robot codes, so the per-field hashes of the definitions we last wrote are our only view of what a robot holds.
 */
export interface ProvisioningRecord {
  /** Keyed `robot:CODE` / `activity:CODE`: field name → hash of the value we last wrote. */
  definitions: Record<string, Record<string, string>>;
  /** entityTypeIds of our smart processes as last recorded (survives a rename of the type in the portal). */
  entityTypeIds: Partial<Record<SmartProcessKey, number>>;
  /** IBLOCK_ID of the shipment list as last recorded (found again even if its code was changed). */
  shipmentListIblockId?: number;
}

export const EMPTY_RECORD: ProvisioningRecord = { definitions: {}, entityTypeIds: {} };
