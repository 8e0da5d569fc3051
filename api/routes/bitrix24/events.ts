import type { FastifyPluginAsync } from 'fastify';
import type { IngressServices } from '../../deps.js';
import { toCrmEvent } from '../../delivery-mapping.js';
import { eventBodySchema } from '../../schemas/event.js';
import { parseBody } from '../../schemas/parse.js';
import { verifySender } from '../../sender-verification.js';

/** CRM event deliveries (bitrix24-protocol.md 4): routed into entity workflows, or acknowledged and ignored. */
const eventRoutes: FastifyPluginAsync<IngressServices> = async (app, services) => {
  app.post('/bitrix24/events', async (request) => {
    const body = parseBody(eventBodySchema, request.body);
    await verifySender(services.portals, body.auth, request.log);

    const event = toCrmEvent(body);
    const routed = await services.workflows.routeEvent(event);
    const context = { memberId: event.memberId, event: event.event, eventHandlerId: event.eventHandlerId };
    if (!routed) {
      request.log.info(context, 'event has no route; ignored');
      return { status: 'ignored' };
    }
    request.log.info({ ...context, workflowId: routed.workflowId }, 'event accepted');
    return { status: 'accepted', workflowId: routed.workflowId };
  });
};

export default eventRoutes;
