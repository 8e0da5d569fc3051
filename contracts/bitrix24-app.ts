/**
 * Sent with every CRM write, and used when binding offline events, so the offline queue does not record our own
 * changes: Bitrix24 keeps offline records per connector and skips records caused by a call with the same connector.
 */
export const AUTH_CONNECTOR = 'b24-temporal';

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
