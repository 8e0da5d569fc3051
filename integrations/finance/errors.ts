import type { ApplicationFailure } from '@temporalio/common';
import { FINANCE_FAILURES } from '../../contracts/failures/finance.js';

/** Finance failures: the catalogue (types and retry policy) is contracts/failures/finance.ts; these build them. */
export { FINANCE_FAILURES };

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
  return FINANCE_FAILURES.create('CompanyNotFound', `The finance system does not know company ${companyId}`, { details: [{ companyId }] });
}

export function financeUnavailable(details: FinanceUnavailableDetails): ApplicationFailure {
  const code = details.code ? ` ${details.code}` : '';
  const until = details.until ? ` until ${details.until}` : '';
  return FINANCE_FAILURES.create('Unavailable', `The finance system is unavailable (${details.reason}${code})${until}`, {
    // Announced unavailability (maintenance 3-5 % of the time, rate limits) is routine: keep it out of error logs and
    // metrics. A timeout or refused connection was not announced and stays visible.
    benign: ANNOUNCED_REASONS.has(details.reason),
    nextRetryDelay: details.retryAfterMs,
    details: [details],
  });
}

export function financeServerError(status: number): ApplicationFailure {
  return FINANCE_FAILURES.create('ServerError', `The finance system answered HTTP ${status}`, { details: [{ status }] });
}

export function financeUnauthorized(status: number): ApplicationFailure {
  return FINANCE_FAILURES.create(
    'Unauthorized',
    `The finance system rejected our credentials (HTTP ${status}); check FINANCE_API_TOKEN`,
    { details: [{ status }] },
  );
}

/** A body or status the API contract does not allow: retrying the same call would get the same answer. */
export function financeBadResponse(detail: string): ApplicationFailure {
  return FINANCE_FAILURES.create('BadResponse', `The finance system answered outside its contract: ${detail}`);
}
