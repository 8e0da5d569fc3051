import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

/** The `type` of every failure the ERP integration raises; workflows branch on these strings. */
export const ErpFailureType = {
  Validation: 'Erp.Validation',
  Rejected: 'Erp.Rejected',
  Unavailable: 'Erp.Unavailable',
  ServerError: 'Erp.ServerError',
  Timeout: 'Erp.Timeout',
} as const;
export type ErpFailureType = (typeof ErpFailureType)[keyof typeof ErpFailureType];

/** SOAP 1.1 fault codes the ERP service answers with (documented in erp.wsdl). */
export const ErpFaultCode = {
  Validation: 'soap:Client.Validation',
  BusinessRejection: 'soap:Client.BusinessRejection',
  Unavailable: 'soap:Server.Unavailable',
  Server: 'soap:Server',
} as const;
export type ErpFaultCode = (typeof ErpFaultCode)[keyof typeof ErpFaultCode];

interface ErpFailurePolicy {
  readonly retryable: boolean;
  /** Expected during ERP maintenance, so it should not flood error logs and metrics. */
  readonly benign: boolean;
}

/**
 * Retry decisions live here and nowhere else. A server error stays non-benign: unlike maintenance it points at a bug
 * somebody should see, even though a retry may succeed.
 */
export const ERP_FAILURE_POLICY: Readonly<Record<ErpFailureType, ErpFailurePolicy>> = {
  [ErpFailureType.Validation]: { retryable: false, benign: false },
  [ErpFailureType.Rejected]: { retryable: false, benign: false },
  [ErpFailureType.Unavailable]: { retryable: true, benign: true },
  [ErpFailureType.ServerError]: { retryable: true, benign: false },
  [ErpFailureType.Timeout]: { retryable: true, benign: true },
};

/** For `RetryPolicy.nonRetryableErrorTypes` of ERP activities (the failures are already marked non-retryable). */
export const ERP_NON_RETRYABLE_FAILURE_TYPES: readonly ErpFailureType[] = Object.values(ErpFailureType).filter(
  (type) => !ERP_FAILURE_POLICY[type].retryable,
);

/** Plain-JSON details attached to every ERP failure; never carries order content or credentials. */
export interface ErpFailureDetails {
  readonly operation?: string;
  readonly faultCode?: string;
  readonly httpStatus?: number;
  readonly networkCode?: string;
}

export function erpFailure(type: ErpFailureType, message: string, details: ErpFailureDetails = {}): ApplicationFailure {
  const policy = ERP_FAILURE_POLICY[type];
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: !policy.retryable,
    details: [details],
    ...(policy.benign ? { category: ApplicationFailureCategory.BENIGN } : {}),
  });
}

/**
 * Maps a SOAP 1.1 faultcode to a failure type. The namespace prefix is ignored because servers pick their own
 * (`soap:`, `SOAP-ENV:`, `s:`). Unknown client faults mean our request is wrong, so retrying cannot help; unknown
 * server faults are treated as server errors.
 */
export function failureTypeForFaultCode(faultCode: string): ErpFailureType {
  const localCode = faultCode.slice(faultCode.indexOf(':') + 1);
  switch (localCode) {
    case 'Client.Validation':
      return ErpFailureType.Validation;
    case 'Client.BusinessRejection':
      return ErpFailureType.Rejected;
    case 'Server.Unavailable':
      return ErpFailureType.Unavailable;
    default:
      if (localCode === 'Client' || localCode.startsWith('Client.')) return ErpFailureType.Validation;
      return ErpFailureType.ServerError;
  }
}
