import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJiraClient, type JiraClientOptions } from '../../../integrations/jira/client.js';
import { JIRA_FAILURES } from '../../../integrations/jira/errors.js';
import { dealLabel } from '../../../integrations/jira/labels.js';
import { startJiraSimulator, type JiraSimulator } from '../../../emulators/jira/simulator.js';

const EMAIL = 'automation@example.com';
const API_TOKEN = 'jira-secret-4e9b77d1';
const CREDENTIAL = Buffer.from(`${EMAIL}:${API_TOKEN}`).toString('base64');
const logLines: string[] = [];
const errorTexts: string[] = [];
const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });

let simulator: JiraSimulator;

beforeAll(async () => {
  simulator = await startJiraSimulator({ email: EMAIL, apiToken: API_TOKEN });
});

afterAll(async () => {
  await simulator.close();
});

function client(overrides: Partial<JiraClientOptions> = {}) {
  return createJiraClient({ baseUrl: simulator.url, email: EMAIL, apiToken: API_TOKEN, timeoutMs: 2_000, logger, ...overrides });
}

const newIssue = (label: string, projectKey = 'OPS') => ({
  projectKey,
  summary: 'Deal #42  won:\nset up the project',
  description: 'Customer: ACME\n\nAmount: 1 200 000 RUB',
  labels: [label, 'bitrix24'],
});

/** The failure a call rejects with; every message and detail is kept for the secret check at the end. */
async function failureOf(call: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await call.then(
    () => expect.fail('expected the call to fail'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  const failure = error as ApplicationFailure;
  errorTexts.push(failure.message, JSON.stringify(failure.details ?? []), String(failure.stack));
  return failure;
}

describe('Jira client against the Jira simulator', () => {
  it('creates an issue and then finds it by its deal label', async () => {
    const label = dealLabel('a1b2c3', 42);
    await expect(client().findIssueByLabel(label)).resolves.toBeNull();

    const created = await client().createIssue(newIssue(label));
    expect(created.key).toMatch(/^OPS-\d+$/);
    await expect(client().findIssueByLabel(label)).resolves.toEqual(created);
    await expect(client().findIssueByLabel(label, { projectKey: 'OPS' })).resolves.toEqual(created);
    await expect(client().findIssueByLabel(label, { projectKey: 'PRJ' })).resolves.toBeNull();

    const stored = simulator.issues.find((issue) => issue.id === created.id);
    expect(stored).toMatchObject({
      summary: 'Deal #42 won: set up the project',
      issueType: 'Task',
      labels: [label, 'bitrix24'],
      description: {
        type: 'doc',
        version: 1,
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'Customer: ACME' }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'Amount: 1 200 000 RUB' }] },
        ],
      },
    });
  });

  it('returns the oldest issue when a label was used twice', async () => {
    const label = dealLabel('a1b2c3', 'twice');
    const first = await client().createIssue(newIssue(label));
    await client().createIssue(newIssue(label, 'PRJ'));
    await expect(client().findIssueByLabel(label)).resolves.toEqual(first);
  });

  it('quotes labels safely in JQL', async () => {
    const label = 'odd"label\\x';
    const created = await client().createIssue(newIssue(label));
    await expect(client().findIssueByLabel(label)).resolves.toEqual(created);
  });

  it('misses an issue the search index has not seen yet, as Jira Cloud can', async () => {
    simulator.setSearchIndexLag(60_000);
    try {
      const label = dealLabel('a1b2c3', 'lagging');
      await client().createIssue(newIssue(label));
      await expect(client().findIssueByLabel(label)).resolves.toBeNull();
    } finally {
      simulator.setSearchIndexLag(0);
    }
  });

  it('reports an unknown project key as Validation with Jira field errors, not retryable', async () => {
    const failure = await failureOf(client().createIssue(newIssue(dealLabel('a1b2c3', 7), 'NOPE')));
    expect(failure.type).toBe(JIRA_FAILURES.type.Validation);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('project: valid project is required');
    expect(failure.details?.[0]).toMatchObject({ status: 400, errors: { project: 'valid project is required' } });
  });

  it('rejects a label with spaces before asking Jira', async () => {
    const before = simulator.calls.length;
    const failure = await failureOf(client().findIssueByLabel('two words'));
    expect(failure.type).toBe(JIRA_FAILURES.type.Validation);
    expect(simulator.calls.length).toBe(before);
  });

  it('reports 5xx as retryable ServerError', async () => {
    for (const status of [500, 502, 503]) {
      simulator.failNext(1, status);
      const failure = await failureOf(client().findIssueByLabel('any-label'));
      expect(failure.type).toBe(JIRA_FAILURES.type.ServerError);
      expect(failure.nonRetryable).toBe(false);
    }
    await expect(client().findIssueByLabel('any-label')).resolves.toBeNull();
  });

  it('takes the retry delay of a 503 from Retry-After', async () => {
    simulator.failNext(1, 503, { retryAfterSeconds: 30 });
    const failure = await failureOf(client().findIssueByLabel('any-label'));
    expect(failure.type).toBe(JIRA_FAILURES.type.ServerError);
    expect(failure.nextRetryDelay).toBe(30_000);
  });

  it('reports 429 as retryable RateLimited with the delay from Retry-After', async () => {
    simulator.failNext(1, 429, { retryAfterSeconds: 7 });
    const failure = await failureOf(client().createIssue(newIssue(dealLabel('a1b2c3', 8))));
    expect(failure.type).toBe(JIRA_FAILURES.type.RateLimited);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(7_000);
    expect(simulator.issues.some((issue) => issue.labels.includes(dealLabel('a1b2c3', 8)))).toBe(false);
  });

  it('rejects wrong credentials and missing permissions as Unauthorized, not retryable', async () => {
    const wrongToken = 'jira-wrong-token-0f0f';
    const unauthenticated = await failureOf(client({ apiToken: wrongToken }).findIssueByLabel('any-label'));
    expect(unauthenticated.type).toBe(JIRA_FAILURES.type.Unauthorized);
    expect(unauthenticated.nonRetryable).toBe(true);
    expect(simulator.calls.at(-1)).toMatchObject({ authorized: false, status: 401 });
    expect(JSON.stringify(unauthenticated)).not.toContain(wrongToken);

    simulator.failNext(1, 403);
    const forbidden = await failureOf(client().createIssue(newIssue(dealLabel('a1b2c3', 9))));
    expect(forbidden.type).toBe(JIRA_FAILURES.type.Unauthorized);
    expect(forbidden.nonRetryable).toBe(true);
  });

  it('reports a wrong site path as NotFound, not retryable', async () => {
    const failure = await failureOf(client({ baseUrl: `${simulator.url}/wiki` }).findIssueByLabel('any-label'));
    expect(failure.type).toBe(JIRA_FAILURES.type.NotFound);
    expect(failure.nonRetryable).toBe(true);
  });

  it('scrubs the token out of field errors that echo it back', async () => {
    const failure = await failureOf(client().createIssue({ ...newIssue('x'), labels: [`${API_TOKEN} leaked`] }));
    expect(failure.type).toBe(JIRA_FAILURES.type.Validation);
    expect(failure.message).toContain("The label '[redacted] leaked' contains spaces");
  });

  it('reports a refused connection as a retryable Unavailable', async () => {
    const gone = await startJiraSimulator();
    const url = gone.url;
    await gone.close();
    const failure = await failureOf(client({ baseUrl: url }).findIssueByLabel('any-label'));
    expect(failure.type).toBe(JIRA_FAILURES.type.Unavailable);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.details?.[0]).toMatchObject({ reason: 'network', code: 'ECONNREFUSED' });
  });

  describe('against a server that never answers', () => {
    let silent: Server;
    let silentUrl: string;

    beforeAll(async () => {
      silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('gives up after its own timeout with a retryable Unavailable', async () => {
      const failure = await failureOf(client({ baseUrl: silentUrl, timeoutMs: 150 }).findIssueByLabel('any-label'));
      expect(failure.type).toBe(JIRA_FAILURES.type.Unavailable);
      expect(failure.details?.[0]).toMatchObject({ reason: 'timeout' });
    });

    it('rethrows the caller abort reason unchanged, so a cancelled activity stays cancelled', async () => {
      const controller = new AbortController();
      const reason = new Error('activity cancelled');
      const pending = client({ baseUrl: silentUrl }).createIssue(newIssue('x'), { signal: controller.signal });
      setTimeout(() => controller.abort(reason), 50);
      await expect(pending).rejects.toBe(reason);
    });
  });

  it('never wrote the API token or the Basic credential into a log line or an error', () => {
    expect(logLines.length).toBeGreaterThan(10);
    expect(errorTexts.length).toBeGreaterThan(10);
    for (const secret of [API_TOKEN, CREDENTIAL]) {
      expect(logLines.join('\n')).not.toContain(secret);
      expect(errorTexts.join('\n')).not.toContain(secret);
    }
  });
});
