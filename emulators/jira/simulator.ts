import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { basicAuthMatches } from './basic-auth.js';
import { JqlError, parseJql } from './jql.js';
import { validateIssueFields } from './validate-issue.js';

export interface JiraSimulatorOptions {
  host?: string;
  port?: number;
  email?: string;
  apiToken?: string;
  /** Project keys that exist on the site. */
  projects?: string[];
  /** How long a new issue stays invisible to search, as Jira Cloud's eventually consistent index does. */
  searchIndexLagMs?: number;
}

export interface JiraSimulatorIssue {
  id: string;
  key: string;
  projectKey: string;
  summary: string;
  description: unknown;
  issueType: string;
  labels: string[];
  createdAt: number;
}

/** One request as the simulator saw it (never its credentials); `status` is null until answered. */
export interface JiraSimulatorCall {
  method: string;
  path: string;
  authorized: boolean;
  status: number | null;
  at: number;
}

export interface JiraSimulator {
  url: string;
  issues: JiraSimulatorIssue[];
  calls: JiraSimulatorCall[];
  /** The next `count` authorized API requests answer `status`; 429 always carries Retry-After (default 5 s). */
  failNext(count: number, status: number, options?: { retryAfterSeconds?: number }): void;
  setSearchIndexLag(ms: number): void;
  close(): Promise<void>;
}

export const DEFAULT_JIRA_EMAIL = 'automation@example.com';
export const DEFAULT_JIRA_API_TOKEN = 'jira-dev-token';
const DEFAULT_RATE_LIMIT_RETRY_AFTER_SECONDS = 5;
const FIRST_ISSUE_ID = 10_000;

interface SearchRequest {
  jql?: unknown;
  fields?: unknown;
  maxResults?: unknown;
}

/**
 * The subset of the Jira Cloud REST API v3 the Jira robot uses, on loopback: create an issue, read it, and search by
 * label with JQL. Bodies and error shapes follow Jira Cloud; see README.md beside this file.
 */
export async function startJiraSimulator(options: JiraSimulatorOptions = {}): Promise<JiraSimulator> {
  const email = options.email ?? DEFAULT_JIRA_EMAIL;
  const apiToken = options.apiToken ?? DEFAULT_JIRA_API_TOKEN;
  const projects = new Set((options.projects ?? ['OPS', 'PRJ']).map((key) => key.toUpperCase()));
  const issues: JiraSimulatorIssue[] = [];
  const calls: JiraSimulatorCall[] = [];
  const injected: { status: number; retryAfterSeconds?: number }[] = [];
  const nextNumberByProject = new Map<string, number>();
  let searchIndexLagMs = options.searchIndexLagMs ?? 0;
  let url = '';

  const app: FastifyInstance = Fastify({ logger: false });
  const callOf = new WeakMap<object, JiraSimulatorCall>();
  const selfUrl = (issue: JiraSimulatorIssue) => `${url}/rest/api/3/issue/${issue.id}`;

  app.get('/status', async () => ({ state: 'RUNNING' }));

  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/rest/')) return;
    const call: JiraSimulatorCall = {
      method: request.method,
      path: request.url,
      authorized: basicAuthMatches(request.headers.authorization, email, apiToken),
      status: null,
      at: Date.now(),
    };
    calls.push(call);
    callOf.set(request.raw, call);
    if (!call.authorized) {
      reply.header('x-seraph-loginreason', 'AUTHENTICATED_FAILED');
      return sendError(reply, 401, ['You are not authenticated. Authentication required to perform this operation.']);
    }
    const failure = injected.shift();
    if (!failure) return;
    const retryAfter = failure.retryAfterSeconds ?? (failure.status === 429 ? DEFAULT_RATE_LIMIT_RETRY_AFTER_SECONDS : undefined);
    if (retryAfter !== undefined) {
      reply.header('retry-after', String(retryAfter));
      if (failure.status === 429) reply.header('x-ratelimit-reset', new Date(Date.now() + retryAfter * 1000).toISOString());
    }
    return sendError(reply, failure.status, [failure.status === 429 ? 'Rate limit exceeded.' : 'Injected failure.']);
  });

  app.addHook('onSend', async (request, reply) => {
    const call = callOf.get(request.raw);
    if (call) call.status = reply.statusCode;
  });

  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    return sendError(reply, status, [status < 500 ? error.message : 'Internal server error']);
  });

  app.setNotFoundHandler((request, reply) => sendError(reply, 404, [`null for uri: ${request.url}`]));

  app.post('/rest/api/3/issue', async (request, reply) => {
    const result = validateIssueFields(request.body, projects);
    if ('errors' in result) return reply.code(400).send({ errorMessages: [], errors: result.errors });
    const { projectKey } = result.fields;
    const number = nextNumberByProject.get(projectKey) ?? 1;
    nextNumberByProject.set(projectKey, number + 1);
    const issue: JiraSimulatorIssue = {
      id: String(FIRST_ISSUE_ID + issues.length),
      key: `${projectKey}-${number}`,
      ...result.fields,
      createdAt: Date.now(),
    };
    issues.push(issue);
    return reply.code(201).send({ id: issue.id, key: issue.key, self: selfUrl(issue) });
  });

  app.get<{ Params: { issueIdOrKey: string } }>('/rest/api/3/issue/:issueIdOrKey', async (request, reply) => {
    const wanted = request.params.issueIdOrKey.toUpperCase();
    const issue = issues.find((candidate) => candidate.id === wanted || candidate.key === wanted);
    if (!issue) return sendError(reply, 404, ['Issue does not exist or you do not have permission to see it.']);
    return { id: issue.id, key: issue.key, self: selfUrl(issue), fields: issueFields(issue) };
  });

  const search = (input: SearchRequest, reply: FastifyReply) => {
    if (typeof input.jql !== 'string') return sendError(reply, 400, ['The JQL query is required.']);
    let query;
    try {
      query = parseJql(input.jql);
    } catch (error) {
      if (error instanceof JqlError) return sendError(reply, 400, [error.message]);
      throw error;
    }
    const unknownProject = query.projects.find((key) => !projects.has(key.toUpperCase()));
    if (unknownProject) return sendError(reply, 400, [`The value '${unknownProject}' does not exist for the field 'project'.`]);

    const indexedBefore = Date.now() - searchIndexLagMs;
    const found = issues.filter(
      (issue) =>
        issue.createdAt <= indexedBefore &&
        query.labels.every((label) => issue.labels.includes(label)) &&
        query.projects.every((key) => issue.projectKey === key.toUpperCase()),
    );
    if (query.order === 'DESC') found.reverse();
    const maxResults = Math.min(Math.max(Number(input.maxResults) || 50, 1), 5000);
    const wantedFields = fieldList(input.fields);
    return reply.send({
      issues: found.slice(0, maxResults).map((issue) => ({
        id: issue.id,
        key: issue.key,
        self: selfUrl(issue),
        fields: pick(issueFields(issue), wantedFields),
      })),
      isLast: found.length <= maxResults,
    });
  };

  app.get<{ Querystring: SearchRequest }>('/rest/api/3/search/jql', async (request, reply) => search(request.query, reply));
  app.post<{ Body: SearchRequest }>('/rest/api/3/search/jql', async (request, reply) => search(request.body ?? {}, reply));

  url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  return {
    url,
    issues,
    calls,
    failNext: (count, status, failOptions = {}) => {
      for (let index = 0; index < count; index += 1) injected.push({ status, ...failOptions });
    },
    setSearchIndexLag: (ms) => void (searchIndexLagMs = ms),
    close: () => app.close(),
  };
}

function sendError(reply: FastifyReply, status: number, errorMessages: string[]) {
  return reply.code(status).send({ errorMessages, errors: {} });
}

function issueFields(issue: JiraSimulatorIssue): Record<string, unknown> {
  return {
    summary: issue.summary,
    labels: issue.labels,
    description: issue.description ?? null,
    issuetype: { name: issue.issueType },
    project: { key: issue.projectKey },
    created: new Date(issue.createdAt).toISOString(),
  };
}

/** `fields` as Jira takes it: an array (POST) or a comma list (GET); `*all` or nothing means every field we keep. */
function fieldList(fields: unknown): string[] | null {
  const list = Array.isArray(fields) ? fields.map(String) : typeof fields === 'string' ? fields.split(',') : [];
  const names = list.map((name) => name.trim()).filter(Boolean);
  return names.length === 0 || names.includes('*all') ? null : names;
}

function pick(fields: Record<string, unknown>, names: string[] | null): Record<string, unknown> {
  if (!names) return fields;
  return Object.fromEntries(names.filter((name) => name in fields).map((name) => [name, fields[name]]));
}
