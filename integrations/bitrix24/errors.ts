import type { ApplicationFailure } from '@temporalio/common';
import { applicationFailure, type FailurePolicy } from '../../contracts/failures/define.js';
import { BITRIX24_FAILURES, Bitrix24LocalError, type Bitrix24KnownErrorCode } from '../../contracts/failures/bitrix24.js';
import { redactText } from '../../lib/logger.js';

/**
 * Bitrix24 errors as failures: the catalogue of codes and their retry policy is contracts/failures/bitrix24.ts (so
 * workflows can name the types); this file classifies an answer against it and builds the `ApplicationFailure`.
 */
export { BITRIX24_FAILURES, Bitrix24LocalError };
export type { Bitrix24KnownErrorCode };

export const BITRIX24_FAILURE_PREFIX = `${BITRIX24_FAILURES.prefix}.`;

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

function lookup(code: string, status: number): { name: string; policy: FailurePolicy } {
  const known = code === '' ? undefined : BITRIX24_FAILURES.policyOf(`${BITRIX24_FAILURE_PREFIX}${code}`);
  if (known) return { name: code, policy: known };
  if (code === '') {
    const name =
      status >= 500 || status === 0 || status === 408 || status === 429
        ? Bitrix24LocalError.SERVER_ERROR
        : status === 400
          ? Bitrix24LocalError.BAD_REQUEST
          : Bitrix24LocalError.HTTP_ERROR;
    return { name, policy: BITRIX24_FAILURES.policies[name] };
  }
  // Method-specific codes (ERROR_ACTIVITY_ALREADY_INSTALLED, ERROR_CORE, 100, ...): callers branch on them by name.
  const name = SAFE_CODE.test(code) ? code : Bitrix24LocalError.UNKNOWN;
  return { name, policy: { retryable: status >= 500 } };
}

/** Decides retry or no retry from the `error` code first and from the HTTP status only when there is no code. */
export function classifyBitrix24Error(input: Bitrix24ErrorInput): Bitrix24Classification {
  const { name, policy } = lookup(input.code ?? '', input.status);
  const classification: Bitrix24Classification = {
    type: `${BITRIX24_FAILURE_PREFIX}${name}`,
    retryable: policy.retryable,
    benign: policy.benign ?? false,
  };
  const delayMs = name === 'OPERATION_TIME_LIMIT' ? operatingResetDelay(input) ?? policy.retryDelayMs : policy.retryDelayMs;
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
  const policy: FailurePolicy = { retryable: error.retryable, benign: error.benign };
  return applicationFailure(error.type, policy, error.message, {
    details: [{ code: error.code, status: error.status, method: error.method }],
    nextRetryDelay: error.retryDelayMs,
  });
}
