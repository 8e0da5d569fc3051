import { ApplicationFailure } from '@temporalio/common';
import { redactText } from '../../lib/logger.js';
import { erpFailure, failureNameForFaultCode, type ErpFailureDetails } from './errors.js';

/** Connection-level failures: the ERP (or the way to it) is down, so the call never reached it or got no answer. */
const UNAVAILABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
]);

const TIMEOUT_NETWORK_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT']);

/** HTTP statuses of gateways and load balancers in front of an ERP that is restarting or overloaded. */
const UNAVAILABLE_HTTP_STATUSES = new Set([408, 429, 502, 503, 504]);

interface SoapFault {
  readonly code: string;
  readonly message: string;
}

/**
 * Turns anything the `soap` client throws into a classified `ApplicationFailure` (see errors.ts for the policy).
 * A SOAP fault is classified by its faultcode whether it came with HTTP 200 or 500; caller cancellation is not
 * handled here (the client rethrows the abort reason so Temporal records a cancellation).
 */
export function classifyErpError(error: unknown, operation?: string): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;

  const httpStatus = httpStatusOf(error);
  const fault = soapFaultOf(error);
  if (fault) {
    const details: ErpFailureDetails = { operation, faultCode: fault.code, httpStatus };
    return erpFailure(failureNameForFaultCode(fault.code), `ERP fault ${fault.code}: ${safe(fault.message)}`, details);
  }

  const networkCode = networkCodeOf(error);
  if (networkCode && TIMEOUT_NETWORK_CODES.has(networkCode)) {
    const message = `ERP did not answer in time (${networkCode})`;
    return erpFailure('Timeout', message, { operation, networkCode });
  }
  if (networkCode && UNAVAILABLE_NETWORK_CODES.has(networkCode)) {
    return erpFailure('Unavailable', `ERP is unreachable (${networkCode})`, { operation, networkCode });
  }

  if (httpStatus !== undefined) {
    const name = UNAVAILABLE_HTTP_STATUSES.has(httpStatus) ? 'Unavailable' : 'ServerError';
    return erpFailure(name, `ERP answered HTTP ${httpStatus} without a SOAP fault`, { operation, httpStatus });
  }

  const message = `ERP call failed: ${safe(messageOf(error))}`;
  return erpFailure('ServerError', message, { operation, networkCode });
}

function soapFaultOf(error: unknown): SoapFault | undefined {
  const fault = property(property(property(property(error, 'root'), 'Envelope'), 'Body'), 'Fault');
  if (fault === undefined) return undefined;
  const code = textOf(property(fault, 'faultcode')) ?? soap12CodeOf(fault);
  if (code === undefined) return undefined;
  const message = textOf(property(fault, 'faultstring')) ?? textOf(property(property(fault, 'Reason'), 'Text')) ?? '';
  return { code, message };
}

/** SOAP 1.2 puts the application code in the subcode (`Sender` / `Receiver` map to Client / Server). */
function soap12CodeOf(fault: unknown): string | undefined {
  const code = property(fault, 'Code');
  const value = textOf(property(code, 'Value'));
  if (value === undefined) return undefined;
  const subcode = textOf(property(property(code, 'Subcode'), 'Value'));
  const base = value.endsWith('Sender') ? 'Client' : value.endsWith('Receiver') ? 'Server' : value;
  return subcode ? `${base}.${subcode.slice(subcode.indexOf(':') + 1)}` : base;
}

function httpStatusOf(error: unknown): number | undefined {
  const status = property(property(error, 'response'), 'status');
  return typeof status === 'number' ? status : undefined;
}

function networkCodeOf(error: unknown): string | undefined {
  for (const candidate of [error, property(error, 'cause')]) {
    const code = property(candidate, 'code');
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const inner = property(value, '$value');
  return typeof inner === 'string' ? inner : undefined;
}

function property(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** ERP messages end up in workflow histories and logs: keep them short and free of credentials. */
function safe(text: string): string {
  return redactText(text).slice(0, 500);
}
