import { defineFailures } from './define.js';

/** Every way a credit lookup fails (integrations/finance/errors.ts builds them). */
export const FINANCE_FAILURES = defineFailures('Finance', {
  CompanyNotFound: { retryable: false },
  /**
   * Maintenance, rate limits, timeouts, refused connections. Benign only when the finance system announced it
   * (maintenance 3-5 % of the time, rate limits); an unannounced timeout stays visible (set per failure).
   */
  Unavailable: { retryable: true },
  ServerError: { retryable: true },
  /** Our credentials were refused: FINANCE_API_TOKEN needs fixing. */
  Unauthorized: { retryable: false },
  BadResponse: { retryable: false },
  /** The worker has no finance client (FINANCE_BASE_URL). */
  NotConfigured: { retryable: false },
});
