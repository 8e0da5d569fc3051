import { defineFailures } from './define.js';

/** Every way a Jira call fails (integrations/jira/errors.ts builds them). */
export const JIRA_FAILURES = defineFailures('Jira', {
  /** 400 and other request rejections: the same request would be rejected again. */
  Validation: { retryable: false },
  Unauthorized: { retryable: false },
  NotFound: { retryable: false },
  RateLimited: { retryable: true },
  ServerError: { retryable: true },
  /** No answer at all: timeout, refused or reset connection. */
  Unavailable: { retryable: true },
  BadResponse: { retryable: false },
  /** The worker has no Jira client (JIRA_BASE_URL). */
  NotConfigured: { retryable: false },
});
