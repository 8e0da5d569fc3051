import { defineFailures } from './define.js';

/** Every way a 1C price lookup fails (integrations/onec/errors.ts builds them). */
export const ONEC_FAILURES = defineFailures('OneC', {
  /** Connection refused, timeout, 503: 1C's maintenance windows are expected, so routine. */
  Unavailable: { retryable: true, benign: true },
  ServerError: { retryable: true },
  /** A body outside the price service's contract: asking again gets the same answer. */
  BadResponse: { retryable: false },
});
