/**
 * The ingress error catalogue: every answer other than success is one of these, with a stable `error` code that
 * callers and tests branch on. Messages are written for the sender and never contain token values.
 */

export const API_ERROR_CODES = {
  badRequest: 'BAD_REQUEST',
  validationFailed: 'VALIDATION_FAILED',
  invalidEndpoint: 'INVALID_ENDPOINT',
  unauthorized: 'UNAUTHORIZED',
  domainNotAllowed: 'DOMAIN_NOT_ALLOWED',
  installForbidden: 'INSTALL_FORBIDDEN',
  portalCallFailed: 'PORTAL_CALL_FAILED',
  notFound: 'NOT_FOUND',
  unknownRobot: 'UNKNOWN_ROBOT',
  payloadTooLarge: 'PAYLOAD_TOO_LARGE',
  unsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  internalError: 'INTERNAL_ERROR',
  temporalUnavailable: 'TEMPORAL_UNAVAILABLE',
  notReady: 'NOT_READY',
  conflict: 'CONFLICT',
  namespaceNotServed: 'NAMESPACE_NOT_SERVED',
  payloadNotDecodable: 'PAYLOAD_NOT_DECODABLE',
  portalNotAllowed: 'PORTAL_NOT_ALLOWED',
  rateLimited: 'RATE_LIMITED',
  portalBusy: 'PORTAL_BUSY',
} as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[keyof typeof API_ERROR_CODES];

export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `properties.article` or `auth.member_id`. */
  path: string;
  message: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: readonly ValidationIssue[],
  ) {
    super(message);
  }
}

export const apiErrors = {
  badRequest: (message: string) => new ApiError(400, API_ERROR_CODES.badRequest, message),
  validationFailed: (issues: readonly ValidationIssue[]) =>
    new ApiError(
      400,
      API_ERROR_CODES.validationFailed,
      `invalid request: ${issues.map((issue) => `${issue.path || '(body)'}: ${issue.message}`).join('; ')}`,
      issues,
    ),
  invalidEndpoint: (field: string, reason: string) =>
    new ApiError(400, API_ERROR_CODES.invalidEndpoint, `${field} is not acceptable: ${reason}`),
  unauthorized: (message = 'the sender could not be verified') => new ApiError(401, API_ERROR_CODES.unauthorized, message),
  installUnverified: (reason: string) =>
    new ApiError(401, API_ERROR_CODES.unauthorized, `the install could not be verified with the portal: ${reason}`),
  domainNotAllowed: (domain: string) =>
    new ApiError(403, API_ERROR_CODES.domainNotAllowed, `portal domain ${domain} is not in B24_ALLOWED_DOMAINS`),
  installForbidden: (reason: string) => new ApiError(403, API_ERROR_CODES.installForbidden, `the install was refused: ${reason}`),
  portalCallFailed: (reason: string) =>
    new ApiError(502, API_ERROR_CODES.portalCallFailed, `the portal did not complete a call the install needs: ${reason}`),
  notFound: () => new ApiError(404, API_ERROR_CODES.notFound, 'no such route'),
  unknownRobot: (code: string) =>
    new ApiError(404, API_ERROR_CODES.unknownRobot, `no robot or activity with code ${code} is declared by this app`),
  conflict: (message: string) => new ApiError(409, API_ERROR_CODES.conflict, message),
  namespaceNotServed: (namespace: string) =>
    new ApiError(400, API_ERROR_CODES.namespaceNotServed, `this codec serves namespace TEMPORAL_NAMESPACE only, not ${namespace}`),
  payloadNotDecodable: (reason: string) => new ApiError(400, API_ERROR_CODES.payloadNotDecodable, reason),
  portalNotAllowed: (memberId: string) =>
    new ApiError(403, API_ERROR_CODES.portalNotAllowed, `this API key may not be used for portal ${memberId}`),
  rateLimited: (what: string, retryAfterSeconds: number) =>
    new ApiError(429, API_ERROR_CODES.rateLimited, `too many requests ${what}; retry in ${retryAfterSeconds} s`),
  portalBusy: (reason: string) =>
    new ApiError(503, API_ERROR_CODES.portalBusy, `the portal could not answer the install check now (${reason}); retry in a few seconds`),
  temporalUnavailable: () =>
    new ApiError(503, API_ERROR_CODES.temporalUnavailable, 'Temporal did not confirm the work in time; retry later'),
} as const;
