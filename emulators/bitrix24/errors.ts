/** Every error the emulated portal answers with: stable code, HTTP status and text, created in one place. */
export class RestError extends Error {
  override readonly name = 'RestError';

  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
    /** More keys of the error body, e.g. `argument` of `ERROR_ARGUMENT`. */
    readonly extra: Record<string, string> = {},
    /** The body carries the code as a JSON number (crm.type.* answer `"error": 0`). */
    readonly numericCode = false,
  ) {
    super(`${code}: ${description}`);
  }

  toBody(): Record<string, string | number> & { error: string | number; error_description: string } {
    return { error: this.numericCode ? Number(this.code) : this.code, error_description: this.description, ...this.extra };
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
  appContextRequired: (status: number) => new RestError(status, 'ACCESS_DENIED', 'Application context required'),
  wrongAuthType: () => new RestError(403, 'WRONG_AUTH_TYPE', 'Current authorization type is denied for this method Application context required'),
  accessDenied: (status: number, description = 'Access denied!') => new RestError(status, 'ACCESS_DENIED', description),
  /** placement.* names the missing argument in the body (widgets/placement-bind.md). */
  missingArgument: (status: number, argument: string) =>
    new RestError(status, 'ERROR_ARGUMENT', `Argument '${argument}' is null or empty`, { argument }),
  /** Core `LicenseException` (modules/rest/lib/licenseexception.php): the portal's plan lacks the feature. */
  wrongLicense: (feature: string) =>
    new RestError(403, 'WRONG_LICENSE', `This feature is not enabled for the current license: ${feature}`),
  /** Core `Exceptions\ArgumentException`: 400 ERROR_ARGUMENT. */
  argument: (description: string) => new RestError(400, 'ERROR_ARGUMENT', description),
  invalidRequest: (description: string) => new RestError(400, 'INVALID_REQUEST', description),
  invalidArg: (description: string) => new RestError(400, 'INVALID_ARG_VALUE', description),
  notFound: (description: string) => new RestError(400, 'NOT_FOUND', description),
  /** D7 controller errors without a code (crm.type.get/getByEntityTypeId "not found"): `"error": 0`, a number. */
  noCode: (description: string) => new RestError(400, '0', description, {}, true),
  /** A required parameter of a D7 controller action is missing (crm.timeline.logmessage.*): code `100`. */
  missingParameter: (name: string) => new RestError(400, '100', `Could not find value for parameter {${name}}`),
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
