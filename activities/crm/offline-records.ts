import type { CrmEvent } from '../../lib/crm-events/event-routes.js';

/** One record of `event.offline.get` (bitrix24-protocol.md 4.6). */
export interface OfflineEventRecord {
  ID: string | number;
  TIMESTAMP_X: string;
  EVENT_NAME: string;
  EVENT_DATA: unknown;
  EVENT_ADDITIONAL?: unknown;
  MESSAGE_ID: string;
}

export interface OfflineBatch {
  process_id: string;
  events: OfflineEventRecord[];
}

/** The record as the event the ingress would have received online; null when it names no event. */
export function offlineRecordToCrmEvent(memberId: string, record: OfflineEventRecord): CrmEvent | null {
  if (typeof record.EVENT_NAME !== 'string' || record.EVENT_NAME === '') return null;
  const data = typeof record.EVENT_DATA === 'object' && record.EVENT_DATA !== null ? (record.EVENT_DATA as Record<string, unknown>) : {};
  const millis = Date.parse(record.TIMESTAMP_X);
  return {
    memberId,
    // Offline records do not name the portal's domain; nothing downstream of routing needs it.
    domain: '',
    event: record.EVENT_NAME.toUpperCase(),
    eventHandlerId: '',
    data,
    ts: Number.isFinite(millis) ? Math.floor(millis / 1000) : 0,
    source: 'offline',
  };
}
