import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

/** Every way a 1C price lookup can fail, mapped once to retry or no retry. */
export const ONEC_FAILURE = {
  unavailable: 'OneC.Unavailable',
  serverError: 'OneC.ServerError',
  badResponse: 'OneC.BadResponse',
} as const;

export function onecUnavailable(detail: string, retryAfterSeconds?: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: ONEC_FAILURE.unavailable,
    message: `1C is unavailable: ${detail}`,
    nonRetryable: false,
    // Maintenance windows are expected: keep them out of error logs and error metrics.
    category: ApplicationFailureCategory.BENIGN,
    nextRetryDelay: retryAfterSeconds ? `${retryAfterSeconds}s` : undefined,
  });
}

export function onecServerError(status: number): ApplicationFailure {
  return ApplicationFailure.create({ type: ONEC_FAILURE.serverError, message: `1C answered HTTP ${status}` });
}

export function onecBadResponse(detail: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ONEC_FAILURE.badResponse, message: `1C answered an unexpected body: ${detail}`, nonRetryable: true });
}
