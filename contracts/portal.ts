import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ShipmentPropertyIds } from './shipment-list.js';

/**
 * Everything we keep per installed portal. Lives only inside the per-portal credentials workflow,
 * whose payloads are encrypted by the payload codec (see lib/payload-codec.ts).
 */
export interface PortalCredentials {
  memberId: string;
  domain: string;
  /** REST base, e.g. https://example.bitrix24.com/rest/ */
  clientEndpoint: string;
  /** OAuth server REST base, e.g. https://oauth.bitrix.info/rest/ */
  serverEndpoint: string;
  /**
   * Proves deliveries come from this portal. Null after a browser install until Bitrix24 sends it with the ONAPPINSTALL
   * the install bound (an app with a UI gets no `application_token` in its install form).
   */
  applicationToken: string | null;
  accessToken: string;
  refreshToken: string;
  /** Unix seconds when the access token expires. */
  expiresAt: number;
  scope: string;
  /** Grows by one on every install or refresh, so a caller can tell a fresh token from the one that failed. */
  version: number;
}

export type PortalInstall = Omit<PortalCredentials, 'version'>;

export interface RefreshRequest {
  /** The version whose access token was rejected with expired_token. */
  staleVersion: number;
}

/** An install without an application token keeps the one already stored (the browser path; see applicationToken). */
export const portalInstallUpdate = defineUpdate<PortalCredentials, [PortalInstall]>('portal.install');
/** ONAPPUNINSTALL: the portal's credentials are forgotten; answers whether there were any. */
export const portalUninstallUpdate = defineUpdate<{ forgotten: boolean }, []>('portal.uninstall');
/** Where a portal answers after a domain change (Bitrix24 redirects the old address to the new one). */
export interface PortalMove {
  /** The new host, e.g. `new-name.bitrix24.com`. */
  domain: string;
  /** The REST base on that host, e.g. `https://new-name.bitrix24.com/rest/`. */
  clientEndpoint: string;
}

/** Records a portal's new address; tokens and version stay as they are. */
export const portalMoveUpdate = defineUpdate<PortalCredentials, [PortalMove]>('portal.move');
export const portalRefreshUpdate = defineUpdate<PortalCredentials, [RefreshRequest]>('portal.refresh');
export const portalCredentialsQuery = defineQuery<PortalCredentials | null>('portal.credentials');

/**
 * What provisioning learned about a portal (smart-process ids differ per portal and are never hard-coded).
 * Configuration may override each value (lib/config.ts); otherwise processes read them from here.
 */
export interface PortalSettings {
  /** entityTypeId of the "Claim" smart process. */
  claimEntityTypeId?: number;
  /** `id` of the Claim type (crm.type.list), which names its user fields: UF_CRM_{id}_... */
  claimTypeId?: number;
  /** entityTypeId and type id of the helper smart process that holds invoice totals. */
  invoiceTotalEntityTypeId?: number;
  invoiceTotalTypeId?: number;
  /** IBLOCK_ID of the universal list that receives deal product rows (created or found by provisioning). */
  shipmentListIblockId?: number;
  /** Numeric ids of that list's properties (`PROPERTY_<id>`), keyed by our property name; they belong to shipmentListIblockId. */
  shipmentListPropertyIds?: ShipmentPropertyIds;
  /** Per-field hashes of the robot/activity definitions provisioning last wrote (Bitrix24 lists only codes). */
  provisionedDefinitions?: Record<string, Record<string, string>>;
  /**
   * Whether the portal's plan had `rest_auth_connector` (feature.get) when provisioning last ran, which bound the
   * offline events with AUTH_CONNECTOR (true) or without a connector (false). Writes and the offline drain follow it.
   */
  authConnector?: boolean;
}

export const portalSettingsUpdate = defineUpdate<PortalSettings, [PortalSettings]>('portal.settings');
export const portalSettingsQuery = defineQuery<PortalSettings>('portal.settings');
