import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJiraSimulator, type JiraSimulator } from '../../../emulators/jira/simulator.js';

const authorization = `Basic ${Buffer.from('automation@example.com:jira-dev-token').toString('base64')}`;
let simulator: JiraSimulator;

beforeAll(async () => {
  simulator = await startJiraSimulator();
});

afterAll(async () => {
  await simulator.close();
});

async function jira(path: string, init: { method?: string; body?: unknown; auth?: string | null } = {}) {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.auth !== null) headers.authorization = init.auth ?? authorization;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${simulator.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

const issueBody = (labels: string[], project = 'PRJ') => ({
  fields: {
    project: { key: project },
    summary: 'Simulator check',
    issuetype: { name: 'Task' },
    description: { type: 'doc', version: 1, content: [] },
    labels,
  },
});

describe('Jira simulator wire format', () => {
  it('answers 201 { id, key, self } and serves the issue back by key', async () => {
    const created = await jira('/rest/api/3/issue', { method: 'POST', body: issueBody(['sim-read']) });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), key: 'PRJ-1', self: `${simulator.url}/rest/api/3/issue/${created.body.id}` });

    const read = await jira('/rest/api/3/issue/PRJ-1');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ key: 'PRJ-1', fields: { labels: ['sim-read'], project: { key: 'PRJ' } } });
  });

  it('searches with GET and a comma list of fields', async () => {
    const jql = encodeURIComponent('labels = "sim-read" AND project = PRJ');
    const found = await jira(`/rest/api/3/search/jql?jql=${jql}&fields=summary`);
    expect(found.status).toBe(200);
    expect(found.body).toEqual({
      issues: [{ id: expect.any(String), key: 'PRJ-1', self: expect.any(String), fields: { summary: 'Simulator check' } }],
      isLast: true,
    });
  });

  it('refuses unbounded and unsupported JQL, and unknown projects in JQL, with 400', async () => {
    for (const jql of ['', 'ORDER BY created', 'summary ~ "x"', 'labels = "a" AND project = NOPE']) {
      const answer = await jira('/rest/api/3/search/jql', { method: 'POST', body: { jql } });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ errorMessages: [expect.any(String)], errors: {} });
    }
  });

  it('lists every invalid field in one 400', async () => {
    const answer = await jira('/rest/api/3/issue', {
      method: 'POST',
      body: { fields: { project: { key: 'NOPE' }, summary: '', issuetype: { name: 'Saga' }, description: 'plain text', labels: ['a b'] } },
    });
    expect(answer.status).toBe(400);
    expect(Object.keys(answer.body.errors as object).sort()).toEqual(['description', 'issuetype', 'labels', 'project', 'summary']);
  });

  it('answers 401 without credentials and records the call without them', async () => {
    const answer = await jira('/rest/api/3/search/jql?jql=labels%3Dx', { auth: null });
    expect(answer.status).toBe(401);
    expect(simulator.calls.at(-1)).toMatchObject({ authorized: false, status: 401 });
    expect(JSON.stringify(simulator.calls)).not.toContain('jira-dev-token');
  });

  it('sends Retry-After and X-RateLimit-Reset with an injected 429', async () => {
    simulator.failNext(1, 429);
    const before = Date.now();
    const answer = await jira('/rest/api/3/search/jql?jql=labels%3Dx');
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('5');
    const reset = Date.parse(answer.headers.get('x-ratelimit-reset') ?? '');
    expect(reset).toBeGreaterThanOrEqual(before + 4_000);
    expect((await jira('/rest/api/3/search/jql?jql=labels%3Dx')).status).toBe(200);
  });
});
