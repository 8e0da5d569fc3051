import type { FastifyPluginAsync } from 'fastify';
import type { ExternalWriteInput } from '../../../contracts/external-write.js';
import type { IngressServices } from '../../deps.js';
import { apiErrors } from '../../errors.js';
import { IdempotencyConflictError } from '../../external-writes.js';
import { externalWriteBodySchema } from '../../schemas/external-write.js';
import { parseBody } from '../../schemas/parse.js';
import { assertApiKey, assertPortalInScope } from './api-key.js';

/** The portal an external write goes to when the request names none: the Bitrix24 client falls back to B24_WEBHOOK_URL. */
export const WEBHOOK_PORTAL_ID = 'webhook';

/**
 * Writes from external systems: the request becomes `externalWriteWorkflow` under `write/{memberId}/{idempotencyKey}`;
 * 202 once Temporal holds it. A repeated key answers with the same run. Each API key writes only to its own portals.
 */
const itemRoutes: FastifyPluginAsync<IngressServices> = async (app, services) => {
  app.post('/api/v1/items', async (request, reply) => {
    const scope = assertApiKey(services.config, request);
    const writes = services.externalWrites;
    if (!writes) throw apiErrors.notFound();
    const body = parseBody(externalWriteBodySchema, request.body);
    const memberId = body.memberId ?? WEBHOOK_PORTAL_ID;
    assertPortalInScope(scope, memberId, request);
    const input: ExternalWriteInput = {
      memberId,
      idempotencyKey: body.idempotencyKey,
      entityTypeId: body.entityTypeId,
      fields: body.fields,
      ...(body.id === undefined ? {} : { id: body.id }),
    };
    try {
      const started = await writes.start(input);
      request.log.info({ workflowId: started.workflowId, entityTypeId: input.entityTypeId }, 'external write accepted');
      return await reply.code(202).send(started);
    } catch (error) {
      if (error instanceof IdempotencyConflictError) throw apiErrors.conflict(error.message);
      throw error;
    }
  });
};

export default itemRoutes;
