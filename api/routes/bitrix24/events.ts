import type { FastifyPluginAsync } from 'fastify';
import type { IngressServices } from '../../deps.js';
import { toCrmEvent } from '../../delivery-mapping.js';
import { eventBodySchema } from '../../schemas/event.js';
import { parseBody } from '../../schemas/parse.js';
import { verifySender } from '../../sender-verification.js';

/** Bitrix24's notice that its offline queue has new records (b24restdocs api-reference/events/on-offline-event.md). */
const OFFLINE_QUEUE_NOTICE = 'ONOFFLINEEVENT';

/**
 * Event deliveries (b24restdocs api-reference/events/index.md): CRM events are routed into entity workflows, or
 * acknowledged and ignored; ONOFFLINEEVENT wakes the portal's offline drain.
 */
const eventRoutes: FastifyPluginAsync<IngressServices> = async (app, services) => {
  app.post('/bitrix24/events', async (request) => {
    const body = parseBody(eventBodySchema, request.body);
    await verifySender(services.portals, body.auth, request.log);

    const event = toCrmEvent(body);
    const context = { memberId: event.memberId, event: event.event, eventHandlerId: event.eventHandlerId };
    if (event.event === OFFLINE_QUEUE_NOTICE) {
      const drain = await services.workflows.wakeOfflineDrain(event.memberId);
      request.log.info({ ...context, workflowId: drain.workflowId }, 'offline queue notice; drain woken');
      return { status: 'accepted', workflowId: drain.workflowId };
    }
    const routed = await services.workflows.routeEvent(event);
    if (!routed) {
      request.log.info(context, 'event has no route; ignored');
      return { status: 'ignored' };
    }
    request.log.info({ ...context, workflowId: routed.workflowId }, 'event accepted');
    return { status: 'accepted', workflowId: routed.workflowId };
  });
};

export default eventRoutes;
