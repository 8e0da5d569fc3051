import type { Logger } from 'pino';
import { z } from 'zod';
import { toAdfDocument } from './adf.js';
import {
  jiraBadResponse,
  jiraNotFound,
  jiraRateLimited,
  jiraServerError,
  jiraUnauthorized,
  jiraUnavailable,
  jiraValidation,
  type JiraErrorDetails,
} from './errors.js';
import { isValidJiraLabel, jqlString } from './labels.js';
import { retryDelayMs } from '../../lib/http/retry-after.js';
import { redactSecrets } from './redact.js';

export interface JiraClientOptions {
  /** The site, e.g. `https://example.atlassian.net`. */
  baseUrl: string;
  email: string;
  apiToken: string;
  timeoutMs: number;
  logger: Logger;
  fetchImpl?: typeof fetch;
}

export interface JiraIssueRef {
  id: string;
  key: string;
}

export interface NewJiraIssue {
  projectKey: string;
  /** Whitespace is collapsed and the text cut to Jira's 255 characters. */
  summary: string;
  /** Plain text; sent as an ADF document, one paragraph per line. */
  description: string;
  labels: string[];
  /** Defaults to `Task`. */
  issueType?: string;
}

export interface JiraCallOptions {
  signal?: AbortSignal;
}

export interface JiraClient {
  /**
   * The issue carrying `label` (the oldest, if several), or null. Jira Cloud's search is eventually consistent:
   * an issue created seconds ago may not be found yet.
   */
  findIssueByLabel(label: string, options?: JiraCallOptions & { projectKey?: string }): Promise<JiraIssueRef | null>;
  createIssue(issue: NewJiraIssue, options?: JiraCallOptions): Promise<JiraIssueRef>;
}

const MAX_SUMMARY_LENGTH = 255;

const issueRef = z.object({ id: z.string().min(1), key: z.string().min(1) });
const searchBody = z.object({ issues: z.array(issueRef) });
const errorBody = z.object({
  errorMessages: z.array(z.string()).catch([]),
  errors: z.record(z.string(), z.string()).catch({}),
});

export function createJiraClient(options: JiraClientOptions): JiraClient {
  const fetchImpl = options.fetchImpl ?? fetch;
  const baseUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  const logger = options.logger.child({ integration: 'jira' });
  const credential = Buffer.from(`${options.email}:${options.apiToken}`).toString('base64');
  const secrets = [options.apiToken, credential];

  async function call(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const startedAt = Date.now();
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(new URL(path, baseUrl), {
        method,
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          authorization: `Basic ${credential}`,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      const reason = timeout.aborted ? 'timeout' : 'network';
      const code = networkErrorCode(error);
      logger.warn({ method, path, reason, code, durationMs: Date.now() - startedAt }, 'jira request failed');
      throw jiraUnavailable(reason, code);
    }
    const { status } = response;
    logger.debug({ method, path, status, durationMs: Date.now() - startedAt }, 'jira request');
    const json = parseJson(text);
    if (response.ok) return json;

    const retryAfterMs = retryDelayMs(response.headers.get('retry-after'), response.headers.get('x-ratelimit-reset'));
    const details = errorDetails(status, json, secrets);
    logger.warn({ method, path, status, retryAfterMs, errors: details.errors, errorMessages: details.errorMessages }, 'jira error');
    if (status === 401 || status === 403) throw jiraUnauthorized(status);
    if (status === 404) throw jiraNotFound(details);
    if (status === 429) throw jiraRateLimited(retryAfterMs);
    if (status >= 500) throw jiraServerError(status, retryAfterMs);
    if (status >= 400) throw jiraValidation(details);
    throw jiraBadResponse(`unexpected HTTP ${status}`);
  }

  return {
    async findIssueByLabel(label, { signal, projectKey } = {}) {
      if (!isValidJiraLabel(label)) {
        throw jiraValidation({ errorMessages: ['a Jira label cannot be empty, contain spaces or exceed 255 characters'], errors: {} });
      }
      const clauses = [`labels = ${jqlString(label)}`, ...(projectKey ? [`project = ${jqlString(projectKey)}`] : [])];
      const json = await call(
        'POST',
        'rest/api/3/search/jql',
        { jql: clauses.join(' AND '), fields: ['summary', 'labels'], maxResults: 10 },
        signal,
      );
      const parsed = searchBody.safeParse(json);
      if (!parsed.success) throw jiraBadResponse('search answer without issues[].id/key');
      const issues = [...parsed.data.issues].sort((a, b) => Number(a.id) - Number(b.id));
      if (issues.length > 1) logger.warn({ label, keys: issues.map((issue) => issue.key) }, 'several Jira issues carry one deal label');
      const first = issues[0];
      return first ? { id: first.id, key: first.key } : null;
    },

    async createIssue(issue, { signal } = {}) {
      const fields = {
        project: { key: issue.projectKey },
        summary: issue.summary.replace(/\s+/g, ' ').trim().slice(0, MAX_SUMMARY_LENGTH),
        description: toAdfDocument(issue.description),
        issuetype: { name: issue.issueType ?? 'Task' },
        labels: issue.labels,
      };
      const json = await call('POST', 'rest/api/3/issue', { fields }, signal);
      const parsed = issueRef.safeParse(json);
      if (!parsed.success) throw jiraBadResponse('create answer without id/key');
      logger.info({ projectKey: issue.projectKey, key: parsed.data.key, labels: issue.labels }, 'jira issue created');
      return { id: parsed.data.id, key: parsed.data.key };
    },
  };
}

/** Jira's field errors, with our own secrets scrubbed out in case a proxy or Jira echoed a header back. */
function errorDetails(status: number, json: unknown, secrets: string[]): JiraErrorDetails {
  const parsed = errorBody.safeParse(json);
  const body = parsed.success ? parsed.data : { errorMessages: [], errors: {} };
  return {
    status,
    errorMessages: body.errorMessages.map((message) => redactSecrets(message, secrets)),
    errors: Object.fromEntries(
      Object.entries(body.errors).map(([field, message]) => [field, redactSecrets(message, secrets)]),
    ),
  };
}

/** undici puts the socket error (ECONNREFUSED, ECONNRESET, ...) under `cause.code`. */
function networkErrorCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
