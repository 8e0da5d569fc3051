import { defineFailures } from './define.js';

/**
 * Every way an ERP call fails (integrations/erp/errors.ts maps SOAP faults and transport errors onto them). A server
 * error stays non-benign: unlike maintenance it points at a bug somebody should see, even though a retry may succeed.
 */
export const ERP_FAILURES = defineFailures('Erp', {
  /** soap:Client.Validation: our request is wrong. */
  Validation: { retryable: false },
  /** soap:Client.BusinessRejection: the ERP refuses this order. */
  Rejected: { retryable: false },
  /** soap:Server.Unavailable, refused connections, gateway errors: ERP maintenance, expected. */
  Unavailable: { retryable: true, benign: true },
  ServerError: { retryable: true },
  Timeout: { retryable: true, benign: true },
});
