import { restErrors } from '../errors.js';
import { isoWithOffset } from '../clock.js';
import type { MethodTable } from '../method-types.js';
import { asInt, asRecord, asString } from '../params.js';

/** crm/timeline/logmessage/crm-timeline-logmessage-add.md: `100` for missing fields, `OWNER_NOT_FOUND` for no item. */
const missing = restErrors.missingParameter;

export const timelineMethods: MethodTable = {
  'crm.timeline.logmessage.add': {
    handler: (params, ctx) => {
      if (params.fields === undefined) throw missing('fields');
      const fields = asRecord(params.fields);
      const entityTypeId = asInt(fields.entityTypeId);
      const entityId = asInt(fields.entityId);
      const title = asString(fields.title);
      const text = asString(fields.text);
      if (!entityTypeId) throw missing('entityTypeId');
      if (!entityId) throw missing('entityId');
      if (!title) throw missing('title');
      if (!text) throw missing('text');
      if (!ctx.state.items.get(entityTypeId, entityId)) throw restErrors.validation('OWNER_NOT_FOUND', 'Owner not found');
      const logMessage = {
        id: ctx.state.nextId('timeline'),
        created: isoWithOffset(ctx.clock.nowMs()),
        authorId: ctx.caller.userId,
        title,
        text,
        iconCode: asString(fields.iconCode) ?? 'info',
      };
      // The item it belongs to is kept beside the entry (crm.timeline.logmessage.list filters by it), not returned.
      ctx.state.timelineMessages.push({ ...logMessage, entityTypeId, entityId });
      return { result: { logMessage } };
    },
  },
};
