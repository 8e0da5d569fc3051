import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { redactText } from '../../lib/logger.js';

/**
 * Every Bitrix24 error code we know (bitrix24-protocol.md 5.1, 5.2, 9), mapped to retry or no retry in this one place.
 * `refresh` codes are retried once by the client after a token refresh; what is left after that is classified here.
 */
const RETRY = 'retry';
const NO_RETRY = 'no-retry';

interface CatalogueEntry {
  readonly retry: typeof RETRY | typeof NO_RETRY;
  /** Fixed delay before the next attempt, when Bitrix24 tells us (or documents) how long the block lasts. */
  readonly delayMs?: number;
  /** Expected, self-healing conditions: logged at debug by the worker, no failure metrics. */
  readonly benign?: boolean;
}

const TEN_MINUTES_MS = 10 * 60_000;

export const BITRIX24_ERROR_CATALOGUE = {
  // System errors, any method ([EN] _includes/system-errors.md).
  INTERNAL_SERVER_ERROR: { retry: RETRY },
  ERROR_UNEXPECTED_ANSWER: { retry: RETRY },
  QUERY_LIMIT_EXCEEDED: { retry: RETRY, delayMs: 1_000, benign: true },
  ERROR_BATCH_METHOD_NOT_ALLOWED: { retry: NO_RETRY },
  ERROR_BATCH_LENGTH_EXCEEDED: { retry: NO_RETRY },
  // On an OAuth call the client has already refreshed once; a second NO_AUTH_FOUND means the grant is gone.
  NO_AUTH_FOUND: { retry: NO_RETRY },
  INVALID_REQUEST: { retry: NO_RETRY },
  // A manual block by Bitrix24 staff: retrying quickly only prolongs it.
  OVERLOAD_LIMIT: { retry: RETRY, delayMs: TEN_MINUTES_MS },
  ACCESS_DENIED: { retry: NO_RETRY },
  INVALID_CREDENTIALS: { retry: NO_RETRY },
  ERROR_MANIFEST_IS_NOT_AVAILABLE: { retry: NO_RETRY },
  insufficient_scope: { retry: NO_RETRY },
  // Still expired after the client's one refresh: a later attempt refreshes again.
  expired_token: { retry: RETRY },
  user_access_error: { retry: NO_RETRY },
  // HTTP 500, but the portal is gone: retrying cannot help.
  PORTAL_DELETED: { retry: NO_RETRY },
  // The precise delay comes from `time.operating_reset_at`; the RU docs say the block lifts after 10 minutes.
  OPERATION_TIME_LIMIT: { retry: RETRY, delayMs: TEN_MINUTES_MS, benign: true },
  // Other documented codes.
  ERROR_METHOD_NOT_FOUND: { retry: NO_RETRY },
  WRONG_AUTH_TYPE: { retry: NO_RETRY },
  PAYMENT_REQUIRED: { retry: NO_RETRY },
  // CRest: "invalid token, need reinstall application" — a refresh was already tried.
  invalid_token: { retry: NO_RETRY },
  NOT_FOUND: { retry: NO_RETRY },
  // OAuth server ([EN] settings/oauth/error-codes.md; wrong_client from the PHP SDK).
  invalid_grant: { retry: NO_RETRY },
  invalid_client: { retry: NO_RETRY },
  invalid_request: { retry: NO_RETRY },
  invalid_scope: { retry: NO_RETRY },
  wrong_client: { retry: NO_RETRY },
} as const satisfies Record<string, CatalogueEntry>;

export type Bitrix24KnownErrorCode = keyof typeof BITRIX24_ERROR_CATALOGUE;

/** Failures that do not come from a Bitrix24 `error` code but from the transport or from our own checks. */
export const Bitrix24LocalError = {
  /** Empty `error` with HTTP 400 (crm.deal.*, userfieldconfig.add): the text is in `error_description`. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** 5xx (or 408/429) without a code, or a body that is not the JSON Bitrix24 speaks. */
  SERVER_ERROR: 'SERVER_ERROR',
  /** Another 4xx without a code. */
  HTTP_ERROR: 'HTTP_ERROR',
  UNEXPECTED_RESPONSE: 'UNEXPECTED_RESPONSE',
  TIMEOUT: 'TIMEOUT',
  NETWORK_ERROR: 'NETWORK_ERROR',
  TOO_MANY_REDIRECTS: 'TOO_MANY_REDIRECTS',
  INSECURE_REDIRECT: 'INSECURE_REDIRECT',
  /** A redirect to an origin the caller does not allow (B24_ALLOWED_DOMAINS, B24_OAUTH_HOSTS): not followed. */
  REDIRECT_NOT_ALLOWED: 'REDIRECT_NOT_ALLOWED',
  PORTAL_NOT_INSTALLED: 'PORTAL_NOT_INSTALLED',
  OAUTH_HOST_NOT_ALLOWED: 'OAUTH_HOST_NOT_ALLOWED',
  /** A code we have never seen and that is not a safe identifier. */
  UNKNOWN: 'UNKNOWN',
} as const;

export type Bitrix24LocalError = (typeof Bitrix24LocalError)[keyof typeof Bitrix24LocalError];

const LOCAL_CATALOGUE: Record<Bitrix24LocalError, CatalogueEntry> = {
  BAD_REQUEST: { retry: NO_RETRY },
  SERVER_ERROR: { retry: RETRY },
  HTTP_ERROR: { retry: NO_RETRY },
  UNEXPECTED_RESPONSE: { retry: RETRY },
  TIMEOUT: { retry: RETRY },
  NETWORK_ERROR: { retry: RETRY },
  TOO_MANY_REDIRECTS: { retry: NO_RETRY },
  INSECURE_REDIRECT: { retry: NO_RETRY },
  REDIRECT_NOT_ALLOWED: { retry: NO_RETRY },
  PORTAL_NOT_INSTALLED: { retry: NO_RETRY },
  OAUTH_HOST_NOT_ALLOWED: { retry: NO_RETRY },
  UNKNOWN: { retry: NO_RETRY },
};

export const BITRIX24_FAILURE_PREFIX = 'Bitrix24.';

/** The fields of a response's `time` block that matter for retry timing. */
export interface Bitrix24TimeInfo {
  operating?: number;
  operating_reset_at?: number;
}

export interface Bitrix24ErrorInput {
  /** The `error` field; '' or undefined when Bitrix24 sent none (or the failure is local, see Bitrix24LocalError). */
  code?: string | undefined;
  /** HTTP status; 0 when there was no response. */
  status: number;
  time?: Bitrix24TimeInfo | undefined;
  /** Unix milliseconds, for turning `operating_reset_at` into a delay. */
  nowMs?: number;
}

export interface Bitrix24Classification {
  /** Stable `ApplicationFailure` type, e.g. `Bitrix24.QUERY_LIMIT_EXCEEDED`. */
  type: string;
  retryable: boolean;
  retryDelayMs?: number;
  benign: boolean;
}

const SAFE_CODE = /^[A-Za-z0-9_]{1,64}$/;

function isLocalError(code: string): code is Bitrix24LocalError {
  return Object.hasOwn(LOCAL_CATALOGUE, code);
}

function isKnownCode(code: string): code is Bitrix24KnownErrorCode {
  return Object.hasOwn(BITRIX24_ERROR_CATALOGUE, code);
}

function lookup(code: string, status: number): { name: string; entry: CatalogueEntry } {
  if (isKnownCode(code)) return { name: code, entry: BITRIX24_ERROR_CATALOGUE[code] };
  if (isLocalError(code)) return { name: code, entry: LOCAL_CATALOGUE[code] };
  if (code === '') {
    if (status >= 500 || status === 0 || status === 408 || status === 429) {
      return { name: Bitrix24LocalError.SERVER_ERROR, entry: LOCAL_CATALOGUE.SERVER_ERROR };
    }
    if (status === 400) return { name: Bitrix24LocalError.BAD_REQUEST, entry: LOCAL_CATALOGUE.BAD_REQUEST };
    return { name: Bitrix24LocalError.HTTP_ERROR, entry: LOCAL_CATALOGUE.HTTP_ERROR };
  }
  // Method-specific codes (ERROR_ACTIVITY_ALREADY_INSTALLED, ERROR_CORE, 100, ...): callers branch on them by name.
  const name = SAFE_CODE.test(code) ? code : Bitrix24LocalError.UNKNOWN;
  return { name, entry: { retry: status >= 500 ? RETRY : NO_RETRY } };
}

/** Decides retry or no retry from the `error` code first and from the HTTP status only when there is no code. */
export function classifyBitrix24Error(input: Bitrix24ErrorInput): Bitrix24Classification {
  const { name, entry } = lookup(input.code ?? '', input.status);
  const classification: Bitrix24Classification = {
    type: `${BITRIX24_FAILURE_PREFIX}${name}`,
    retryable: entry.retry === RETRY,
    benign: entry.benign ?? false,
  };
  const delayMs = name === 'OPERATION_TIME_LIMIT' ? operatingResetDelay(input) ?? entry.delayMs : entry.delayMs;
  if (classification.retryable && delayMs !== undefined) classification.retryDelayMs = delayMs;
  return classification;
}

function operatingResetDelay(input: Bitrix24ErrorInput): number | undefined {
  const resetAt = input.time?.operating_reset_at;
  if (typeof resetAt !== 'number' || !Number.isFinite(resetAt)) return undefined;
  const nowMs = input.nowMs ?? Date.now();
  return Math.max(1_000, Math.ceil(resetAt * 1000 - nowMs));
}

export interface Bitrix24ErrorDetails {
  code: string;
  status: number;
  description: string;
  method: string;
  time?: Bitrix24TimeInfo | undefined;
  nowMs?: number;
  /** Overrides the catalogue delay, e.g. a wait the rate limiter predicted. */
  retryDelayMs?: number;
  /** Default: from the code and status (see `answerScope`). */
  scope?: Bitrix24ErrorScope;
}

/**
 * `command`: the method itself refused this call (what `batch` reports per command in `result_error`).
 * `request`: the request as a whole failed or was refused (transport, limits, authorization, the portal itself).
 */
export type Bitrix24ErrorScope = 'command' | 'request';

/** Codes Bitrix24 uses to refuse a whole request, whichever method it named ([EN] _includes/system-errors.md). */
const REQUEST_WIDE_CODES = new Set<string>([
  'INTERNAL_SERVER_ERROR',
  'ERROR_UNEXPECTED_ANSWER',
  'QUERY_LIMIT_EXCEEDED',
  'ERROR_BATCH_LENGTH_EXCEEDED',
  'NO_AUTH_FOUND',
  'INVALID_REQUEST',
  'OVERLOAD_LIMIT',
  'INVALID_CREDENTIALS',
  'ERROR_MANIFEST_IS_NOT_AVAILABLE',
  'expired_token',
  'invalid_token',
  'user_access_error',
  'PORTAL_DELETED',
  'PAYMENT_REQUIRED',
  ...Object.values(Bitrix24LocalError).filter((code) => code !== Bitrix24LocalError.BAD_REQUEST),
]);

export function answerScope(code: string, status: number): Bitrix24ErrorScope {
  if (REQUEST_WIDE_CODES.has(code)) return 'request';
  if (code === '') return status === 400 ? 'command' : 'request';
  return status >= 500 || status === 0 ? 'request' : 'command';
}

/**
 * Failures after which nobody knows whether Bitrix24 ran the request: it may have been received and executed before
 * the answer was lost. Refusals (limits, authorization, validation) say it did not run.
 */
export function outcomeUnknown(error: unknown): boolean {
  if (!(error instanceof Bitrix24Error)) return false;
  const unknownCodes: readonly string[] = [
    Bitrix24LocalError.TIMEOUT,
    Bitrix24LocalError.NETWORK_ERROR,
    Bitrix24LocalError.SERVER_ERROR,
    Bitrix24LocalError.UNEXPECTED_RESPONSE,
    'INTERNAL_SERVER_ERROR',
    'ERROR_UNEXPECTED_ANSWER',
  ];
  return unknownCodes.includes(error.code);
}

/** A failed Bitrix24 call. The message holds method, code and the redacted description, never a token. */
export class Bitrix24Error extends Error {
  override readonly name = 'Bitrix24Error';
  readonly code: string;
  readonly status: number;
  readonly description: string;
  readonly method: string;
  readonly type: string;
  readonly retryable: boolean;
  readonly retryDelayMs: number | undefined;
  readonly benign: boolean;
  readonly scope: Bitrix24ErrorScope;

  constructor(details: Bitrix24ErrorDetails) {
    const description = redactText(details.description);
    const label = details.code === '' ? `HTTP ${details.status}` : details.code;
    super(`Bitrix24 ${details.method}: ${label}${description === '' ? '' : ` - ${description}`}`);
    this.code = details.code;
    this.status = details.status;
    this.description = description;
    this.method = details.method;
    const classification = classifyBitrix24Error(details);
    this.type = classification.type;
    this.retryable = classification.retryable;
    this.retryDelayMs = details.retryDelayMs ?? classification.retryDelayMs;
    this.benign = classification.benign;
    this.scope = details.scope ?? answerScope(details.code, details.status);
  }
}

export function isBitrix24Error(error: unknown): error is Bitrix24Error {
  return error instanceof Bitrix24Error;
}

/**
 * Turns a Bitrix24 failure into the `ApplicationFailure` an activity should throw. Anything else (cancellation,
 * an ApplicationFailure already, a programming error) is returned unchanged so it keeps its meaning for Temporal.
 */
export function toApplicationFailure(error: Bitrix24Error): ApplicationFailure;
export function toApplicationFailure(error: unknown): unknown;
export function toApplicationFailure(error: unknown): unknown {
  if (!(error instanceof Bitrix24Error)) return error;
  return ApplicationFailure.create({
    message: error.message,
    type: error.type,
    nonRetryable: !error.retryable,
    details: [{ code: error.code, status: error.status, method: error.method }],
    ...(error.retryDelayMs === undefined ? {} : { nextRetryDelay: error.retryDelayMs }),
    ...(error.benign ? { category: ApplicationFailureCategory.BENIGN } : {}),
  });
}
