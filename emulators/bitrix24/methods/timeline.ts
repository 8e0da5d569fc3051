import { restErrors } from '../errors.js';
import { isoWithOffset } from '../clock.js';
import type { MethodTable } from '../method-types.js';
import { asInt, asRecord, asString } from '../params.js';

export const timelineMethods: MethodTable = {
  'crm.timeline.logmessage.add': {
    handler: (params, ctx) => {
      const fields = asRecord(params.fields);
      const entityTypeId = asInt(fields.entityTypeId);
      const entityId = asInt(fields.entityId);
      const title = asString(fields.title);
      const text = asString(fields.text);
      if (!entityTypeId || !entityId) throw restErrors.invalidArg('entityTypeId and entityId are required');
      if (!title || !text) throw restErrors.invalidArg('title and text are required');
      if (!ctx.state.items.get(entityTypeId, entityId)) throw restErrors.notFound('Item not found');
      const logMessage = {
        id: ctx.state.nextId('timeline'),
        created: isoWithOffset(ctx.clock.nowMs()),
        authorId: ctx.caller.userId,
        title,
        text,
        iconCode: asString(fields.iconCode) ?? 'info',
        entityTypeId,
        entityId,
      };
      ctx.state.timelineMessages.push(logMessage);
      return { result: { logMessage } };
    },
  },
};
