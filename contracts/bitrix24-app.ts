/**
 * Sent with every CRM write, and used when binding offline events, so the offline queue does not record our own
 * changes: Bitrix24 keeps offline records per connector and skips records caused by a call with the same connector.
 */
export const AUTH_CONNECTOR = 'b24-temporal';
