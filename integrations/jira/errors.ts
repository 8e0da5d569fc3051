import type { ApplicationFailure } from '@temporalio/common';
import { JIRA_FAILURES } from '../../contracts/failures/jira.js';

/** Jira failures: the catalogue (types and retry policy) is contracts/failures/jira.ts; these build them. */
export { JIRA_FAILURES };

/** Jira's own error body: `{ errorMessages: [...], errors: { field: message } }`. */
export interface JiraErrorDetails {
  status?: number;
  errorMessages: string[];
  errors: Record<string, string>;
}

/** 400 and other request rejections: the same request would be rejected again. */
export function jiraValidation(details: JiraErrorDetails): ApplicationFailure {
  const message = `Jira rejected the request${statusSuffix(details.status)}: ${describeJiraErrors(details)}`;
  return JIRA_FAILURES.create('Validation', message, { details: [details] });
}

export function jiraUnauthorized(status: number): ApplicationFailure {
  const message = `Jira refused our credentials or permissions (HTTP ${status}); check JIRA_EMAIL, JIRA_API_TOKEN and project permissions`;
  return JIRA_FAILURES.create('Unauthorized', message, { details: [{ status }] });
}

export function jiraNotFound(details: JiraErrorDetails): ApplicationFailure {
  return JIRA_FAILURES.create('NotFound', `Jira found nothing there (HTTP 404): ${describeJiraErrors(details)}`, { details: [details] });
}

export function jiraRateLimited(retryAfterMs: number | undefined): ApplicationFailure {
  return JIRA_FAILURES.create('RateLimited', 'Jira rate-limited the request (HTTP 429)', {
    nextRetryDelay: retryAfterMs,
    details: [{ retryAfterMs }],
  });
}

export function jiraServerError(status: number, retryAfterMs: number | undefined): ApplicationFailure {
  return JIRA_FAILURES.create('ServerError', `Jira answered HTTP ${status}`, { nextRetryDelay: retryAfterMs, details: [{ status, retryAfterMs }] });
}

/** No answer at all: timeout, refused or reset connection. */
export function jiraUnavailable(reason: 'timeout' | 'network', code?: string): ApplicationFailure {
  return JIRA_FAILURES.create('Unavailable', `Jira is unreachable (${reason}${code ? ` ${code}` : ''})`, { details: [{ reason, code }] });
}

export function jiraBadResponse(detail: string): ApplicationFailure {
  return JIRA_FAILURES.create('BadResponse', `Jira answered outside its contract: ${detail}`);
}

function statusSuffix(status: number | undefined): string {
  return status === undefined ? '' : ` (HTTP ${status})`;
}

function describeJiraErrors({ errorMessages, errors }: JiraErrorDetails): string {
  const parts = [...errorMessages, ...Object.entries(errors).map(([field, message]) => `${field}: ${message}`)];
  return parts.length > 0 ? parts.join('; ') : 'no details given';
}
