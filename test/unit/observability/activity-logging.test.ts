import { Writable } from 'node:stream';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { withSecretCensoring } from '../../../lib/logger.js';
import { createActivityLoggingInterceptor, type ActivityAttemptReport } from '../../../worker/activity-logging-interceptor.js';

const ACCESS_TOKEN = 'ACCESS-9f8e7d6c5b4a3f2e1d';
const REFRESH_TOKEN = 'REFRESH-1a2b3c4d5e6f7a8b9c';
const EVENT_TOKEN = '55c1dc1c3f0d75.78875596|A51601_82584|SIGNATUREd0f3b';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { lines, stream };
}

/** The input shape that carries tokens: a robot call with its auth block and event token. */
const tokenInput = {
  memberId: 'member-1',
  eventToken: EVENT_TOKEN,
  auth: { access_token: ACCESS_TOKEN, refresh_token: REFRESH_TOKEN },
  credentials: { accessToken: ACCESS_TOKEN, refreshToken: REFRESH_TOKEN },
};

function environment(reports: ActivityAttemptReport[] = []) {
  const { lines, stream } = capture();
  // No redaction on this logger: the test proves the interceptor itself never writes arguments or results.
  const logger = pino({ level: 'trace' }, stream);
  const env = new MockActivityEnvironment(
    {
      activityType: 'completeRobot',
      activityId: '7',
      attempt: 3,
      workflowType: 'get1cPriceWorkflow',
      workflowExecution: { workflowId: 'robot/GET_1C_PRICE/member-1/abc', runId: 'run-1' },
    },
    {
      interceptors: [createActivityLoggingInterceptor({ logger, onAttempt: (report) => reports.push(report) })],
      // The SDK's own activity failure lines are not what this test is about.
      logger: new DefaultLogger('ERROR', () => undefined),
    },
  );
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { env, lines, parsed };
}

describe('activity attempt log', () => {
  it('writes one line per attempt with workflow id, activity type, attempt, outcome and duration', async () => {
    const reports: ActivityAttemptReport[] = [];
    const { env, parsed } = environment(reports);
    const result = await env.run(async (input: typeof tokenInput) => ({ ok: true, token: input.credentials.accessToken }), tokenInput);
    expect(result).toMatchObject({ ok: true });

    const lines = parsed();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'activity attempt',
      workflowId: 'robot/GET_1C_PRICE/member-1/abc',
      workflowType: 'get1cPriceWorkflow',
      activityType: 'completeRobot',
      attempt: 3,
      outcome: 'completed',
      level: 30,
    });
    expect(typeof lines[0]?.durationMs).toBe('number');
    expect(reports).toEqual([expect.objectContaining({ activityType: 'completeRobot', outcome: 'completed' })]);
  });

  it('logs failures with type and retryability, benign ones at debug, and never an input, result or token', async () => {
    const { env, lines, parsed } = environment();
    await expect(
      env.run(async (input: typeof tokenInput) => {
        throw new Error(`POST https://example.bitrix24.com/rest/crm.deal.get?auth=${input.auth.access_token} failed`);
      }, tokenInput),
    ).rejects.toThrow();
    await expect(
      env.run(async () => {
        throw ApplicationFailure.create({ message: 'no such deal', type: 'Bitrix24.NOT_FOUND', nonRetryable: true });
      }, tokenInput),
    ).rejects.toThrow();
    await expect(
      env.run(async () => {
        throw ApplicationFailure.create({
          message: 'bucket full',
          type: 'Bitrix24.QUERY_LIMIT_EXCEEDED',
          category: ApplicationFailureCategory.BENIGN,
        });
      }, tokenInput),
    ).rejects.toThrow();

    const [plain, business, benign] = parsed();
    expect(plain).toMatchObject({ outcome: 'failed', retryable: true, failureType: 'Error', level: 40 });
    expect(String(plain?.error)).toContain('auth=[redacted]');
    expect(business).toMatchObject({ outcome: 'failed', retryable: false, failureType: 'Bitrix24.NOT_FOUND' });
    expect(benign).toMatchObject({ outcome: 'benign', failureType: 'Bitrix24.QUERY_LIMIT_EXCEEDED', level: 20 });

    const all = lines.join('\n');
    for (const secret of [ACCESS_TOKEN, REFRESH_TOKEN, EVENT_TOKEN, 'SIGNATUREd0f3b']) expect(all).not.toContain(secret);
  });

  it('the secret formatters censor the token fields the service handles, at the depths it logs them', () => {
    const { lines, stream } = capture();
    // createLogger writes to stdout; the same redaction over a captured stream.
    const captured = pino(withSecretCensoring({ level: 'info' }), stream);
    captured.info({ ...tokenInput, call: tokenInput, body: { auth: tokenInput.auth, access_token: ACCESS_TOKEN } }, 'input');
    const all = lines.join('\n');
    for (const secret of [ACCESS_TOKEN, REFRESH_TOKEN, EVENT_TOKEN]) expect(all).not.toContain(secret);
    expect(all).toContain('member-1');
  });
});
