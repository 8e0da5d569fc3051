import { defineFailures } from './define.js';

/** A worker built without something a run needs: no retry helps until the worker is configured and restarted. */
export const CONFIG_FAILURES = defineFailures('Config', {
  /** No Temporal client for activities that talk to other workflows (offline drain, claim sequence, teardown). */
  MissingTemporalClient: { retryable: false },
  /** No portal store to provision with. */
  MissingPortalStore: { retryable: false },
  /** B24_CLIENT_ID / B24_CLIENT_SECRET missing: portal tokens cannot be refreshed. */
  MissingOAuthClient: { retryable: false },
  /** A CRM process lacks its smart process, list or worker settings. */
  CrmProcessNotConfigured: { retryable: false },
});
