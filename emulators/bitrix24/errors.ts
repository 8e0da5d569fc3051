/** Every error the emulated portal answers with: stable code, HTTP status and text, created in one place. */
export class RestError extends Error {
  override readonly name = 'RestError';

  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
  ) {
    super(`${code}: ${description}`);
  }

  toBody(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

export const restErrors = {
  noAuth: () => new RestError(401, 'NO_AUTH_FOUND', 'Wrong authorization data'),
  expiredToken: () => new RestError(401, 'expired_token', 'The access token provided has expired'),
  methodNotFound: () => new RestError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!'),
  queryLimit: () => new RestError(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests'),
  operationTimeLimit: () =>
    new RestError(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.'),
  batchLength: () => new RestError(400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded'),
  batchMethodNotAllowed: () => new RestError(405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage'),
  eventTokenDenied: () => new RestError(403, 'ACCESS_DENIED', 'Access denied!'),
  /** Core `AccessException` (modules/rest/lib/accessexception.php). */
  accessDenied: (detail?: string) => new RestError(403, 'ACCESS_DENIED', detail ? `Access denied! ${detail}` : 'Access denied!'),
  /** Core `LicenseException` (modules/rest/lib/licenseexception.php): the portal's plan lacks the feature. */
  wrongLicense: (feature: string) =>
    new RestError(403, 'WRONG_LICENSE', `This feature is not enabled for the current license: ${feature}`),
  /** Core `Exceptions\ArgumentException`: 400 ERROR_ARGUMENT. */
  argument: (description: string) => new RestError(400, 'ERROR_ARGUMENT', description),
  appContextRequired: () => new RestError(403, 'ACCESS_DENIED', 'Application context required'),
  wrongAuthType: () => new RestError(403, 'WRONG_AUTH_TYPE', 'Application context required'),
  invalidRequest: (description: string) => new RestError(400, 'INVALID_REQUEST', description),
  invalidArg: (description: string) => new RestError(400, 'INVALID_ARG_VALUE', description),
  notFound: (description: string) => new RestError(400, 'NOT_FOUND', description),
  /** crm.deal.* and userfieldconfig.* answer with an empty error code and the text only. */
  emptyCode: (description: string) => new RestError(400, '', description),
  validation: (code: string, description: string) => new RestError(400, code, description),
  internal: () => new RestError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'),
} as const;

export const oauthErrors = {
  invalidClient: () => new RestError(401, 'invalid_client', 'Invalid client credentials'),
  invalidGrant: () => new RestError(400, 'invalid_grant', 'Invalid grant'),
  invalidRequest: (description: string) => new RestError(400, 'invalid_request', description),
} as const;
