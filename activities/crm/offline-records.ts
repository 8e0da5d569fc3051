import type { CrmEvent } from '../../lib/crm-events/event-routes.js';

/** One row of `event.offline.get` (b24restdocs api-reference/events/event-offline-get.md). */
export interface OfflineEventRecord {
  ID: string | number;
  TIMESTAMP_X: string;
  EVENT_NAME: string;
  /** An object for CRM events (`{FIELDS: {ID, …}}`); the docs' example shows `false` for an event without data. */
  EVENT_DATA: unknown;
  EVENT_ADDITIONAL?: unknown;
  MESSAGE_ID: string;
}

export interface OfflineBatch {
  /** The reservation's id (`clear=0`, or a call with `process_id`); null for a `clear=1` read. */
  process_id: string | null;
  events: OfflineEventRecord[];
}

/** A queue row reduced to what routing needs: small plain JSON for the drain's history. */
export interface OfflineRecord {
  messageId: string;
  /** Upper-case event name; '' when the row names none. */
  event: string;
  data: Record<string, unknown>;
  /** Unix seconds of the row's last change (TIMESTAMP_X); 0 when unreadable. */
  ts: number;
}

export function toOfflineRecord(row: OfflineEventRecord): OfflineRecord {
  const millis = Date.parse(row.TIMESTAMP_X);
  const data = typeof row.EVENT_DATA === 'object' && row.EVENT_DATA !== null && !Array.isArray(row.EVENT_DATA) ? row.EVENT_DATA : {};
  return {
    messageId: String(row.MESSAGE_ID),
    event: typeof row.EVENT_NAME === 'string' ? row.EVENT_NAME.toUpperCase() : '',
    data: data as Record<string, unknown>,
    ts: Number.isFinite(millis) ? Math.floor(millis / 1000) : 0,
  };
}

/** The record as the event the ingress would have received online; null when it names no event. */
export function offlineRecordToCrmEvent(memberId: string, record: OfflineRecord): CrmEvent | null {
  if (record.event === '') return null;
  return {
    memberId,
    // Offline records do not name the portal's domain; nothing downstream of routing needs it.
    domain: '',
    event: record.event,
    data: record.data,
    ts: record.ts,
    source: 'offline',
  };
}
