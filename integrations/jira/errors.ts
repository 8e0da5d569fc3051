import { ApplicationFailure } from '@temporalio/common';

/** Every way a Jira call can fail, mapped once to retry or no retry. Workflows branch on these `type`s. */
export const JIRA_FAILURE = {
  validation: 'Jira.Validation',
  unauthorized: 'Jira.Unauthorized',
  notFound: 'Jira.NotFound',
  rateLimited: 'Jira.RateLimited',
  serverError: 'Jira.ServerError',
  unavailable: 'Jira.Unavailable',
  badResponse: 'Jira.BadResponse',
} as const;

export type JiraFailureType = (typeof JIRA_FAILURE)[keyof typeof JIRA_FAILURE];

/** Jira's own error body: `{ errorMessages: [...], errors: { field: message } }`. */
export interface JiraErrorDetails {
  status?: number;
  errorMessages: string[];
  errors: Record<string, string>;
}

/** 400 and other request rejections: the same request would be rejected again. */
export function jiraValidation(details: JiraErrorDetails): ApplicationFailure {
  return ApplicationFailure.create({
    type: JIRA_FAILURE.validation,
    message: `Jira rejected the request${statusSuffix(details.status)}: ${describeJiraErrors(details)}`,
    nonRetryable: true,
    details: [details],
  });
}

export function jiraUnauthorized(status: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: JIRA_FAILURE.unauthorized,
    message: `Jira refused our credentials or permissions (HTTP ${status}); check JIRA_EMAIL, JIRA_API_TOKEN and project permissions`,
    nonRetryable: true,
    details: [{ status }],
  });
}

export function jiraNotFound(details: JiraErrorDetails): ApplicationFailure {
  return ApplicationFailure.create({
    type: JIRA_FAILURE.notFound,
    message: `Jira found nothing there (HTTP 404): ${describeJiraErrors(details)}`,
    nonRetryable: true,
    details: [details],
  });
}

export function jiraRateLimited(retryAfterMs: number | undefined): ApplicationFailure {
  return ApplicationFailure.create({
    type: JIRA_FAILURE.rateLimited,
    message: 'Jira rate-limited the request (HTTP 429)',
    nonRetryable: false,
    nextRetryDelay: retryAfterMs,
    details: [{ retryAfterMs }],
  });
}

export function jiraServerError(status: number, retryAfterMs: number | undefined): ApplicationFailure {
  return ApplicationFailure.create({
    type: JIRA_FAILURE.serverError,
    message: `Jira answered HTTP ${status}`,
    nonRetryable: false,
    nextRetryDelay: retryAfterMs,
    details: [{ status, retryAfterMs }],
  });
}

/** No answer at all: timeout, refused or reset connection. */
export function jiraUnavailable(reason: 'timeout' | 'network', code?: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: JIRA_FAILURE.unavailable,
    message: `Jira is unreachable (${reason}${code ? ` ${code}` : ''})`,
    nonRetryable: false,
    details: [{ reason, code }],
  });
}

export function jiraBadResponse(detail: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: JIRA_FAILURE.badResponse,
    message: `Jira answered outside its contract: ${detail}`,
    nonRetryable: true,
  });
}

function statusSuffix(status: number | undefined): string {
  return status === undefined ? '' : ` (HTTP ${status})`;
}

function describeJiraErrors({ errorMessages, errors }: JiraErrorDetails): string {
  const parts = [...errorMessages, ...Object.entries(errors).map(([field, message]) => `${field}: ${message}`)];
  return parts.length > 0 ? parts.join('; ') : 'no details given';
}
