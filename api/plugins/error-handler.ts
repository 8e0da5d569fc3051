import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { redactText } from '../../lib/logger.js';
import { API_ERROR_CODES, ApiError, apiErrors, type ApiErrorCode } from '../errors.js';
import { InstallIncompleteError, InstallPortalBusyError, InstallRefusedError, InstallVerificationError } from '../install-verifier.js';
import { TemporalUnavailableError } from '../workflow-gateway.js';

const ACCEPTED_TYPES = 'send application/x-www-form-urlencoded or application/json';

const CODE_BY_STATUS: Record<number, ApiErrorCode> = {
  404: API_ERROR_CODES.notFound,
  413: API_ERROR_CODES.payloadTooLarge,
};

/** Domain errors thrown below the routes, mapped to their HTTP answer in this one place. */
function toApiError(error: unknown, request: FastifyRequest): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof TemporalUnavailableError) return apiErrors.temporalUnavailable();
  if (error instanceof InstallVerificationError) return apiErrors.installUnverified(error.reason);
  if (error instanceof InstallRefusedError) return apiErrors.installForbidden(error.reason);
  if (error instanceof InstallIncompleteError) return apiErrors.portalCallFailed(error.reason);
  if (error instanceof InstallPortalBusyError) return apiErrors.portalBusy(error.reason);
  const status = (error as Partial<FastifyError>).statusCode;
  if (status === 415) {
    // The media type only: parameters after `;` are the sender's free text (and could carry a token).
    const contentType = redactText(String(request.headers['content-type'] ?? 'none').split(';')[0] ?? '').trim().slice(0, 100);
    return new ApiError(415, API_ERROR_CODES.unsupportedMediaType, `unsupported media type ${contentType}; ${ACCEPTED_TYPES}`);
  }
  // Fastify's own 4xx errors (body too large, bad content length) carry safe messages.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status, CODE_BY_STATUS[status] ?? API_ERROR_CODES.badRequest, (error as Error).message);
  }
  return undefined;
}

/** One error handler: logs method and url, answers the status, and hides the message of every 5xx it did not write. */
async function errorHandler(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error, request, reply) => {
    const known = toApiError(error, request);
    const context = { method: request.method, url: redactText(request.url) };
    if (!known) {
      request.log.error({ ...context, err: error }, 'request failed');
      return reply.code(500).send({ error: API_ERROR_CODES.internalError, message: 'Internal Server Error' });
    }
    if (known.statusCode >= 500) request.log.error({ ...context, err: error }, 'request failed');
    else request.log.info({ ...context, statusCode: known.statusCode, error: known.code, reason: known.message }, 'request rejected');
    return reply.code(known.statusCode).send({
      error: known.code,
      message: known.message,
      ...(known.issues ? { issues: known.issues } : {}),
    });
  });

  app.setNotFoundHandler(() => {
    throw apiErrors.notFound();
  });
}

export default fastifyPlugin(errorHandler, { name: 'error-handler', fastify: '5.x' });
