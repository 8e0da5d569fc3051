import type { ApplicationFailure } from '@temporalio/common';
import { ONEC_FAILURES } from '../../contracts/failures/onec.js';

/** 1C failures: the catalogue (types and retry policy) is contracts/failures/onec.ts; these build them with a message. */
export { ONEC_FAILURES };

export function onecUnavailable(detail: string, retryAfterSeconds?: number): ApplicationFailure {
  return ONEC_FAILURES.create('Unavailable', `1C is unavailable: ${detail}`, {
    nextRetryDelay: retryAfterSeconds ? `${retryAfterSeconds}s` : undefined,
  });
}

export function onecServerError(status: number): ApplicationFailure {
  return ONEC_FAILURES.create('ServerError', `1C answered HTTP ${status}`);
}

export function onecBadResponse(detail: string): ApplicationFailure {
  return ONEC_FAILURES.create('BadResponse', `1C answered an unexpected body: ${detail}`);
}
