import { defineFailures, type FailurePolicy } from './define.js';

const TEN_MINUTES_MS = 10 * 60_000;

/**
 * Every Bitrix24 error code we know, mapped to retry or no retry in this one place (b24restdocs
 * _includes/system-errors.md, error-codes.md, settings/oauth/error-codes.md; docs/bitrix24.md). `expired_token` is
 * retried once by the client after a token refresh; what is left after that is classified here.
 */
const ERROR_CODES = {
  // System errors, any method.
  INTERNAL_SERVER_ERROR: { retryable: true },
  ERROR_UNEXPECTED_ANSWER: { retryable: true },
  QUERY_LIMIT_EXCEEDED: { retryable: true, retryDelayMs: 1_000, benign: true },
  ERROR_BATCH_METHOD_NOT_ALLOWED: { retryable: false },
  ERROR_BATCH_LENGTH_EXCEEDED: { retryable: false },
  // On an OAuth call the client has already refreshed once; a second NO_AUTH_FOUND means the grant is gone.
  NO_AUTH_FOUND: { retryable: false },
  INVALID_REQUEST: { retryable: false },
  // A manual block by Bitrix24 staff: retrying quickly only prolongs it.
  OVERLOAD_LIMIT: { retryable: true, retryDelayMs: TEN_MINUTES_MS },
  ACCESS_DENIED: { retryable: false },
  INVALID_CREDENTIALS: { retryable: false },
  ERROR_MANIFEST_IS_NOT_AVAILABLE: { retryable: false },
  insufficient_scope: { retryable: false },
  // Still expired after the client's one refresh: a later attempt refreshes again.
  expired_token: { retryable: true },
  user_access_error: { retryable: false },
  // HTTP 500, but the portal is gone: retrying cannot help.
  PORTAL_DELETED: { retryable: false },
  // The precise delay comes from `time.operating_reset_at`; the Russian docs say the block lifts after 10 minutes.
  OPERATION_TIME_LIMIT: { retryable: true, retryDelayMs: TEN_MINUTES_MS, benign: true },
  // Other documented codes.
  ERROR_METHOD_NOT_FOUND: { retryable: false },
  WRONG_AUTH_TYPE: { retryable: false },
  PAYMENT_REQUIRED: { retryable: false },
  // CRest (bitrix-tools/crest src/crest.php): "invalid token, need reinstall application"; a refresh was already tried.
  invalid_token: { retryable: false },
  NOT_FOUND: { retryable: false },
  // OAuth server (wrong_client from the official PHP SDK, src/Core/ApiLevelErrorHandler.php).
  invalid_grant: { retryable: false },
  invalid_client: { retryable: false },
  invalid_request: { retryable: false },
  invalid_scope: { retryable: false },
  wrong_client: { retryable: false },
} as const satisfies Record<string, FailurePolicy>;

/** Failures that do not come from a Bitrix24 `error` code but from the transport or from our own checks. */
const LOCAL_ERRORS = {
  /** Empty `error` with HTTP 400 (crm.deal.*, userfieldconfig.add): the text is in `error_description`. */
  BAD_REQUEST: { retryable: false },
  /** 5xx (or 408/429) without a code, or a body that is not the JSON Bitrix24 speaks. */
  SERVER_ERROR: { retryable: true },
  /** Another 4xx without a code. */
  HTTP_ERROR: { retryable: false },
  UNEXPECTED_RESPONSE: { retryable: true },
  TIMEOUT: { retryable: true },
  NETWORK_ERROR: { retryable: true },
  TOO_MANY_REDIRECTS: { retryable: false },
  INSECURE_REDIRECT: { retryable: false },
  /** A redirect to an origin the caller does not allow (B24_ALLOWED_DOMAINS, B24_OAUTH_HOSTS): not followed. */
  REDIRECT_NOT_ALLOWED: { retryable: false },
  PORTAL_NOT_INSTALLED: { retryable: false },
  OAUTH_HOST_NOT_ALLOWED: { retryable: false },
  /** A code we have never seen and that is not a safe identifier. */
  UNKNOWN: { retryable: false },
} as const satisfies Record<string, FailurePolicy>;

export const BITRIX24_FAILURES = defineFailures('Bitrix24', {
  ...ERROR_CODES,
  ...LOCAL_ERRORS,
  /** A method answered without what it promises (tasks.task.add without a task id): worth another attempt. */
  UnexpectedAnswer: { retryable: true },
});

/** The documented error codes (as opposed to our own local names). */
export type Bitrix24KnownErrorCode = keyof typeof ERROR_CODES;
export const BITRIX24_ERROR_CODES = Object.keys(ERROR_CODES) as Bitrix24KnownErrorCode[];

/** Names of the local failures, for the code that raises them. */
export type Bitrix24LocalError = keyof typeof LOCAL_ERRORS;
export const Bitrix24LocalError = Object.fromEntries(Object.keys(LOCAL_ERRORS).map((name) => [name, name])) as {
  readonly [N in Bitrix24LocalError]: N;
};
