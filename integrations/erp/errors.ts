import type { ApplicationFailure } from '@temporalio/common';
import { ERP_FAILURES } from '../../contracts/failures/erp.js';

/** ERP failures: the catalogue (types and retry policy) is contracts/failures/erp.ts; these build and classify them. */
export { ERP_FAILURES };
export type ErpFailureName = keyof typeof ERP_FAILURES.policies;

/** Plain-JSON details attached to every ERP failure; never carries order content or credentials. */
export interface ErpFailureDetails {
  readonly operation?: string;
  readonly faultCode?: string;
  readonly httpStatus?: number;
  readonly networkCode?: string;
}

export function erpFailure(name: ErpFailureName, message: string, details: ErpFailureDetails = {}): ApplicationFailure {
  return ERP_FAILURES.create(name, message, { details: [details] });
}

/**
 * Maps a SOAP 1.1 faultcode to a failure. The namespace prefix is ignored because servers pick their own (`soap:`,
 * `SOAP-ENV:`, `s:`). Unknown client faults mean our request is wrong, so retrying cannot help; unknown server faults
 * are treated as server errors.
 */
export function failureNameForFaultCode(faultCode: string): ErpFailureName {
  const localCode = faultCode.slice(faultCode.indexOf(':') + 1);
  switch (localCode) {
    case 'Client.Validation':
      return 'Validation';
    case 'Client.BusinessRejection':
      return 'Rejected';
    case 'Server.Unavailable':
      return 'Unavailable';
    default:
      if (localCode === 'Client' || localCode.startsWith('Client.')) return 'Validation';
      return 'ServerError';
  }
}
