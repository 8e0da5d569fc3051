import { randomBytes } from 'node:crypto';
import { matchesFilter, sortRows } from '../crm-filter.js';
import { restErrors } from '../errors.js';
import { ACCESS, type MethodContext, type MethodTable } from '../method-types.js';
import { asInt, asRecord, asString, isRecord, paramCI, type Params } from '../params.js';
import { FEATURE_CODES, type OfflineEvent } from '../state.js';
import { requireAdmin } from './access.js';

/**
 * `event.offline.get/clear/error` as core `Bitrix\Rest\Api\Event` (modules/rest/lib/api/event.php) and
 * `EventOfflineTable` (modules/rest/lib/eventoffline.php) implement them: application authorization and an
 * administrator only; every call sees only the rows of the `auth_connector` it passes ('' = rows without one).
 */

const DEFAULT_LIMIT = 50;
const DEFAULT_ORDER = { TIMESTAMP_X: 'ASC', ID: 'ASC' };

/** A row as event-offline-get.md shows it: `ID` as a string, like every column core reads from the table. */
function publicView(record: OfflineEvent) {
  const { ID, TIMESTAMP_X, EVENT_NAME, EVENT_DATA, EVENT_ADDITIONAL, MESSAGE_ID } = record;
  return { ID: String(ID), TIMESTAMP_X, EVENT_NAME, EVENT_DATA, EVENT_ADDITIONAL, MESSAGE_ID };
}

/** Core: application authorization first (webhooks → WRONG_AUTH_TYPE, by the dispatcher), then administrator. */
function guard(ctx: MethodContext): string {
  requireAdmin(ctx);
  return ctx.authConnector ?? '';
}

function requireProcessId(params: Params): string {
  const processId = asString(paramCI(params, 'process_id'))?.trim();
  if (processId === undefined) throw restErrors.argument('Argument "PROCESS_ID" is required');
  return processId;
}

/**
 * A PHP array parameter: a JSON list, or a bracket form (`message_id[0]=…`), which arrives as an object. Undefined
 * when absent, null when present but not an array.
 */
function arrayParam(params: Params, name: string): string[] | null | undefined {
  const value = paramCI(params, name);
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String);
  if (isRecord(value)) return Object.values(value).map(String);
  return null;
}

/** `message_id`: core checks that it is an array (error) and, for clear, that each value has 32 characters. */
function messageIds(params: Params, required: boolean): string[] | undefined {
  const ids = arrayParam(params, 'message_id');
  if (ids === undefined && !required) return undefined;
  if (ids === undefined || ids === null) throw restErrors.argument('Value must be array of MESSAGE_ID values');
  return ids.map((id) => id.trim());
}

function newProcessId(): string {
  return randomBytes(16).toString('hex');
}

export const offlineEventMethods: MethodTable = {
  'event.offline.get': {
    access: ACCESS.appOnlyWrongAuthType,
    handler: (params, ctx) => {
      const connectorId = guard(ctx);
      const clear = (asInt(paramCI(params, 'clear')) ?? 1) !== 0;
      const givenProcessId = asString(paramCI(params, 'process_id'))?.trim();
      if (!clear && !ctx.state.features[FEATURE_CODES.offlineExtended]) throw restErrors.wrongLicense('extended offline events handling');
      const limit = asInt(paramCI(params, 'limit')) ?? DEFAULT_LIMIT;
      if (limit <= 0) throw restErrors.argument('Value must be positive integer');
      const withErrors = asInt(paramCI(params, 'error')) === 1;
      const order = paramCI(params, 'order') === undefined ? DEFAULT_ORDER : asRecord(paramCI(params, 'order'));
      const filter = asRecord(paramCI(params, 'filter'));
      const inScope = (record: OfflineEvent) =>
        record.connectorId === connectorId &&
        record.error === withErrors &&
        matchesFilter(record as unknown as Record<string, unknown>, filter);
      const sorted = (rows: OfflineEvent[]) => sortRows(rows as unknown as Record<string, unknown>[], order) as unknown as OfflineEvent[];

      // Without a process id: reserve up to `limit` free rows under a new one. With one: only what it already holds.
      let processId = givenProcessId;
      if (processId === undefined) {
        processId = newProcessId();
        const free = ctx.state.offlineEvents.filter((record) => record.processId === undefined && inScope(record));
        for (const record of sorted(free).slice(0, limit)) record.processId = processId;
      }
      const held = sorted(ctx.state.offlineEvents.filter((record) => record.processId === processId && inScope(record))).slice(0, limit);
      if (clear && held.length > 0) {
        // Core `clearEvents(processId)`: every row of the process goes, not only the page returned.
        ctx.state.offlineEvents = ctx.state.offlineEvents.filter(
          (record) => !(record.processId === processId && record.connectorId === connectorId),
        );
      }
      const returnProcessId = !clear || givenProcessId !== undefined;
      return { result: { process_id: returnProcessId ? processId : null, events: held.map(publicView) } };
    },
  },
  'event.offline.clear': {
    access: ACCESS.appOnlyWrongAuthType,
    handler: (params, ctx) => {
      const connectorId = guard(ctx);
      const processId = requireProcessId(params);
      const byMessage = messageIds(params, false);
      if (byMessage?.some((id) => id.length !== 32)) throw restErrors.argument('Value must be array of MESSAGE_ID values');
      const byId = byMessage === undefined ? arrayParam(params, 'id') : undefined;
      if (byId === null || byId?.some((id) => !(Number(id) > 0))) throw restErrors.argument('Value must be array of integers');
      ctx.state.offlineEvents = ctx.state.offlineEvents.filter((record) => {
        if (record.processId !== processId || record.connectorId !== connectorId) return true;
        if (byMessage) return !byMessage.includes(record.MESSAGE_ID);
        if (byId) return !byId.map(Number).includes(record.ID);
        return false;
      });
      return { result: true };
    },
  },
  'event.offline.error': {
    access: ACCESS.appOnlyWrongAuthType,
    handler: (params, ctx) => {
      const connectorId = guard(ctx);
      const processId = requireProcessId(params);
      const ids = messageIds(params, true) ?? [];
      // Core `markError`: the process's own row becomes an error row (and leaves the reservation); any other unmarked
      // row of the same message (a newer change, another process's copy) is deleted.
      const marked = (record: OfflineEvent) => record.connectorId === connectorId && ids.includes(record.MESSAGE_ID) && !record.error;
      ctx.state.offlineEvents = ctx.state.offlineEvents.filter((record) => !marked(record) || record.processId === processId);
      for (const record of ctx.state.offlineEvents) {
        if (marked(record) && record.processId === processId) {
          record.error = true;
          delete record.processId;
        }
      }
      return { result: true };
    },
  },
};
