import { restErrors } from '../errors.js';
import type { MethodTable } from '../method-types.js';
import { asInt, asRecord, asString } from '../params.js';

/** `crm.timeline.logmessage.list` pages hold 10 entries (b24restdocs api-reference/crm/timeline/logmessage/crm-timeline-logmessage-list.md). */
const LOG_PAGE_SIZE = 10;

/**
 * Lists the log entries apps added to an item with `crm.timeline.logmessage.add` (system entries are not listed),
 * newest first unless `order` says otherwise; `result` is the list of entries, with `total` and `next`
 * (crm-timeline-logmessage-list.md "Returned Data").
 */
export const timelineLogListMethods: MethodTable = {
  'crm.timeline.logmessage.list': {
    handler: (params, ctx) => {
      const entityTypeId = asInt(params.entityTypeId);
      const entityId = asInt(params.entityId);
      // Both are required: code `100` "Could not find value for parameter {…}" (the list page's error example).
      if (!entityTypeId) throw restErrors.missingParameter('entityTypeId');
      if (!entityId) throw restErrors.missingParameter('entityId');
      const order = asRecord(params.order);
      const [sortField, direction] = Object.entries(order)[0] ?? ['id', 'desc'];
      const field = sortField === 'created' ? 'created' : 'id';
      const descending = (asString(direction) ?? 'desc').toLowerCase() !== 'asc';
      const entries = ctx.state.timelineMessages
        .filter((entry) => entry.entityTypeId === entityTypeId && entry.entityId === entityId)
        .sort((left, right) => {
          const a = left[field] as number | string;
          const b = right[field] as number | string;
          const compared = a < b ? -1 : a > b ? 1 : 0;
          return descending ? -compared : compared;
        });
      const start = Math.max(0, asInt(params.start) ?? 0);
      const page = entries.slice(start, start + LOG_PAGE_SIZE).map(({ entityTypeId: _type, entityId: _id, ...entry }) => entry);
      const next = start + LOG_PAGE_SIZE < entries.length ? start + LOG_PAGE_SIZE : undefined;
      return { result: page, total: entries.length, ...(next === undefined ? {} : { next }) };
    },
  },
};
