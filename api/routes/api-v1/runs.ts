import type { FastifyPluginAsync } from 'fastify';
import type { IngressServices } from '../../deps.js';
import { ApiError, API_ERROR_CODES, apiErrors } from '../../errors.js';
import { assertApiKey } from './api-key.js';

/**
 * Status of an external write: `GET /api/v1/runs/write/{memberId}/{idempotencyKey}` (the workflow id has slashes).
 * A run of a portal the key is not scoped to answers as if it did not exist, so keys cannot probe each other's keys.
 */
const runRoutes: FastifyPluginAsync<IngressServices> = async (app, services) => {
  app.get('/api/v1/runs/*', async (request) => {
    const scope = assertApiKey(services.config, request);
    const writes = services.externalWrites;
    if (!writes) throw apiErrors.notFound();
    const workflowId = (request.params as { '*': string })['*'];
    const status = await writes.status(workflowId);
    if (!status || status.memberId === null || !scope.memberIds.has(status.memberId)) {
      throw new ApiError(404, API_ERROR_CODES.notFound, 'no external write run with this id');
    }
    const { memberId: _memberId, ...answer } = status;
    return answer;
  });
};

export default runRoutes;
