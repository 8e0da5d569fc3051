import type { CHECK_CREDIT_LIMIT, RobotReturnValues } from '../contracts/robot-declarations.js';

/**
 * The credit decision and the reasons the business process shows, as pure functions (no Temporal APIs), so they read
 * like the business rule and can be tested on their own.
 */

export interface CreditRequest {
  companyId: string;
  amount: number;
  /** The request's currency when the process passed one. */
  currency?: string;
}

export interface CreditFigures {
  limit: number;
  debt: number;
  currency: string;
}

/** `available_limit`, `approval_required` and `reason`, as CHECK_CREDIT_LIMIT declares them. */
export type CreditReturnValues = RobotReturnValues<typeof CHECK_CREDIT_LIMIT>;

/** Money in major units: rounding to cents keeps `limit − debt` free of binary floating-point noise. */
function roundMoney(value: number): number {
  return Math.round(value * 100) / 100;
}

/** available_limit = limit − debt; approval is required only when the amount is above it (equal is within). */
export function decideCredit(request: CreditRequest, figures: CreditFigures): CreditReturnValues {
  const available = roundMoney(figures.limit - figures.debt);
  const amount = roundMoney(request.amount);
  const money = (value: number) => `${value} ${figures.currency}`;
  const basis = `limit ${money(figures.limit)}, debt ${money(figures.debt)}`;
  if (request.currency !== undefined && request.currency.toUpperCase() !== figures.currency.toUpperCase()) {
    return {
      available_limit: available,
      approval_required: true,
      reason:
        `The request is in ${request.currency} but company ${request.companyId}'s credit limit is kept in ` +
        `${figures.currency} (available ${money(available)}): manual approval required`,
    };
  }
  if (amount > available) {
    return {
      available_limit: available,
      approval_required: true,
      reason: `Above the credit limit: ${money(amount)} exceeds the available ${money(available)} (${basis})`,
    };
  }
  return {
    available_limit: available,
    approval_required: false,
    reason: `Within the credit limit: ${money(amount)} of the available ${money(available)} (${basis})`,
  };
}

export function unknownCompany(request: CreditRequest): CreditReturnValues {
  return {
    available_limit: 0,
    approval_required: true,
    reason: `The finance system does not know company ${request.companyId}: manual approval required`,
  };
}

/** The finance system answered, but not in a way a retry could fix (credentials, contract). */
export function financeUnusable(detail: string): CreditReturnValues {
  return {
    available_limit: 0,
    approval_required: true,
    reason: `The credit limit could not be checked (${detail}): manual approval required`,
  };
}

export interface OutageRecord {
  /** Epoch ms of the first failed attempt, or of the first attempt when none has failed yet (it hung). */
  since: number;
  /** What the last failure said, e.g. "maintenance". */
  lastProblem?: string;
  failedAttempts: number;
}

export function financeOutage(outage: OutageRecord, waitMs: number): CreditReturnValues {
  const problem = outage.lastProblem ? ` (${outage.lastProblem})` : '';
  const attempts = outage.failedAttempts === 1 ? '1 failed attempt' : `${outage.failedAttempts} failed attempts`;
  return {
    available_limit: 0,
    approval_required: true,
    reason:
      `The finance system has been unavailable since ${new Date(outage.since).toISOString()}${problem}; ` +
      `no answer within ${describeDuration(waitMs)} of the request (${attempts}): manual approval required`,
  };
}

export function describeDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
