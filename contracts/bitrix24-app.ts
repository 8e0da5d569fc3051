/**
 * Sent with every CRM write, and used when binding offline events, so the offline queue does not record our own
 * changes: Bitrix24 keeps offline records per connector and skips records caused by a call with the same connector.
 * Only on plans with the `rest_auth_connector` feature: elsewhere Bitrix24 refuses any call that carries it.
 */
export const AUTH_CONNECTOR = 'b24-temporal';

/**
 * The plan feature `auth_connector` needs: without it Bitrix24 answers every call carrying one with `WRONG_LICENSE`
 * (bitrix core CRestServer::checkAuth; b24restdocs api-reference/events/offline-events.md: Professional plan and above).
 * Asked with `feature.get` (b24restdocs api-reference/common/system/feature-get.md).
 */
export const AUTH_CONNECTOR_FEATURE = 'rest_auth_connector';

/** The `auth_connector` parameter for a call to a portal whose plan has (true) or lacks (false) the feature. */
export function authConnectorParams(available: boolean): { auth_connector?: typeof AUTH_CONNECTOR } {
  return available ? { auth_connector: AUTH_CONNECTOR } : {};
}

/**
 * Where Bitrix24 sends the app's install (the API-only callback and the install form of an app with a UI) and its
 * lifecycle events ONAPPINSTALL, ONAPPUPDATE and ONAPPUNINSTALL: `${PUBLIC_URL}${INSTALL_PATH}`.
 */
export const INSTALL_PATH = '/bitrix24/install';

/**
 * Lifecycle events the app binds with `event.bind` (only an API-only app gets ONAPPINSTALL without binding it; an app
 * with a UI receives its `application_token` with the ONAPPINSTALL its install binds). An app update deletes every
 * binding, so provisioning binds them again each time.
 */
export const APP_LIFECYCLE_EVENTS = ['ONAPPINSTALL', 'ONAPPUPDATE', 'ONAPPUNINSTALL'] as const;
