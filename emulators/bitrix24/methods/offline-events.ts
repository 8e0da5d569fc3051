import { randomBytes } from 'node:crypto';
import { matchesFilter, sortRows } from '../crm-filter.js';
import { restErrors } from '../errors.js';
import { ACCESS, type MethodTable } from '../method-types.js';
import { asInt, asRecord, asString, paramCI, type Params } from '../params.js';
import type { OfflineEvent } from '../state.js';

const DEFAULT_LIMIT = 50;

function publicView(record: OfflineEvent) {
  const { ID, TIMESTAMP_X, EVENT_NAME, EVENT_DATA, EVENT_ADDITIONAL, MESSAGE_ID } = record;
  return { ID, TIMESTAMP_X, EVENT_NAME, EVENT_DATA, EVENT_ADDITIONAL, MESSAGE_ID };
}

function requireProcessId(params: Params): string {
  const processId = asString(paramCI(params, 'process_id'));
  if (!processId) throw restErrors.invalidArg('process_id is required');
  return processId;
}

function listParam(params: Params, name: string): string[] | undefined {
  const value = paramCI(params, name);
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : Object.values(asRecord(value)).length > 0 ? Object.values(asRecord(value)) : [value]).map(String);
}

export const offlineEventMethods: MethodTable = {
  'event.offline.get': {
    access: ACCESS.appOnly,
    handler: (params, ctx) => {
      const clear = (asInt(paramCI(params, 'clear')) ?? 1) !== 0;
      const withErrors = asInt(paramCI(params, 'error')) === 1;
      const limit = Math.max(1, asInt(paramCI(params, 'limit')) ?? DEFAULT_LIMIT);
      const processId = asString(paramCI(params, 'process_id')) ?? randomBytes(16).toString('hex');
      const order = paramCI(params, 'order') === undefined ? { TIMESTAMP_X: 'ASC', ID: 'ASC' } : asRecord(paramCI(params, 'order'));
      const filter = asRecord(paramCI(params, 'filter'));
      // Records reserved by another process are invisible, so parallel readers get disjoint sets.
      const visible = ctx.state.offlineEvents.filter(
        (record) => (record.processId === undefined || record.processId === processId) && (withErrors || !record.error),
      );
      const rows = visible.filter((record) => matchesFilter(record as unknown as Record<string, unknown>, filter));
      const taken = sortRows(rows as unknown as Record<string, unknown>[], order).slice(0, limit) as unknown as OfflineEvent[];
      if (clear) ctx.state.offlineEvents = ctx.state.offlineEvents.filter((record) => !taken.includes(record));
      else for (const record of taken) record.processId = processId;
      return { result: { process_id: processId, events: taken.map(publicView) } };
    },
  },
  'event.offline.clear': {
    access: ACCESS.appOnly,
    handler: (params, ctx) => {
      const processId = requireProcessId(params);
      const ids = listParam(params, 'id');
      const messageIds = ids ? undefined : listParam(params, 'message_id');
      ctx.state.offlineEvents = ctx.state.offlineEvents.filter((record) => {
        if (record.processId !== processId) return true;
        if (ids) return !ids.includes(String(record.ID));
        if (messageIds) return !messageIds.includes(record.MESSAGE_ID);
        return false;
      });
      return { result: true };
    },
  },
  'event.offline.error': {
    access: ACCESS.appOnly,
    handler: (params, ctx) => {
      const processId = requireProcessId(params);
      const messageIds = listParam(params, 'message_id') ?? [];
      for (const record of ctx.state.offlineEvents) {
        if (record.processId === processId && messageIds.includes(record.MESSAGE_ID)) {
          record.error = true;
          delete record.processId;
        }
      }
      return { result: true };
    },
  },
};
