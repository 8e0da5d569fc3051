import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

/** Every way a credit lookup can fail, mapped once to retry or no retry. Workflows branch on these `type`s. */
export const FINANCE_FAILURE = {
  companyNotFound: 'Finance.CompanyNotFound',
  unavailable: 'Finance.Unavailable',
  serverError: 'Finance.ServerError',
  unauthorized: 'Finance.Unauthorized',
  badResponse: 'Finance.BadResponse',
} as const;

export type FinanceFailureType = (typeof FINANCE_FAILURE)[keyof typeof FINANCE_FAILURE];

export const FINANCE_UNAVAILABLE_REASON = {
  maintenance: 'maintenance',
  rateLimited: 'rate-limited',
  timeout: 'timeout',
  network: 'network',
} as const;

export type FinanceUnavailableReason = (typeof FINANCE_UNAVAILABLE_REASON)[keyof typeof FINANCE_UNAVAILABLE_REASON];

/** The first entry of `details` on a `Finance.Unavailable` failure: plain JSON, safe in workflow history. */
export interface FinanceUnavailableDetails {
  reason: FinanceUnavailableReason;
  /** When the finance system said it will be back (ISO), if it said so. */
  until?: string;
  retryAfterMs?: number;
  /** The socket error code (ECONNREFUSED, ...) when the request never got an answer. */
  code?: string;
}

const ANNOUNCED_REASONS: ReadonlySet<FinanceUnavailableReason> = new Set([
  FINANCE_UNAVAILABLE_REASON.maintenance,
  FINANCE_UNAVAILABLE_REASON.rateLimited,
]);

export function companyNotFound(companyId: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FINANCE_FAILURE.companyNotFound,
    message: `The finance system does not know company ${companyId}`,
    nonRetryable: true,
    details: [{ companyId }],
  });
}

export function financeUnavailable(details: FinanceUnavailableDetails): ApplicationFailure {
  const code = details.code ? ` ${details.code}` : '';
  const until = details.until ? ` until ${details.until}` : '';
  return ApplicationFailure.create({
    type: FINANCE_FAILURE.unavailable,
    message: `The finance system is unavailable (${details.reason}${code})${until}`,
    nonRetryable: false,
    // Announced unavailability (maintenance 3-5 % of the time, rate limits) is routine: keep it out of error logs and
    // metrics. A timeout or refused connection was not announced and stays visible.
    category: ANNOUNCED_REASONS.has(details.reason) ? ApplicationFailureCategory.BENIGN : undefined,
    nextRetryDelay: details.retryAfterMs,
    details: [details],
  });
}

export function financeServerError(status: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: FINANCE_FAILURE.serverError,
    message: `The finance system answered HTTP ${status}`,
    nonRetryable: false,
    details: [{ status }],
  });
}

export function financeUnauthorized(status: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: FINANCE_FAILURE.unauthorized,
    message: `The finance system rejected our credentials (HTTP ${status}); check FINANCE_API_TOKEN`,
    nonRetryable: true,
    details: [{ status }],
  });
}

/** A body or status the API contract does not allow: retrying the same call would get the same answer. */
export function financeBadResponse(detail: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FINANCE_FAILURE.badResponse,
    message: `The finance system answered outside its contract: ${detail}`,
    nonRetryable: true,
  });
}
