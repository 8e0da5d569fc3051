import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  capturingLogger,
  eventBody,
  findSecret,
  installBody,
  MEMBER_ID,
  postForm,
  robotCallBody,
  SECRETS,
  type TestApp,
} from './fakes.js';

/** The captured logger has no redaction: these tests prove what our code writes, not what pino would censor. */
describe('request logs', () => {
  let t: TestApp;
  let lines: string[];
  beforeEach(async () => {
    const captured = capturingLogger();
    lines = captured.lines;
    t = await buildTestApp({ logger: captured.logger });
  });
  afterEach(async () => {
    await t.app.close();
  });

  function logged(): { msg?: string; method?: string; url?: string; level: number; memberId?: string }[] {
    return lines.map((line) => JSON.parse(line) as { msg?: string; level: number });
  }

  it('contain no token values across accepted, rejected and failed requests', async () => {
    await postForm(t.app, '/bitrix24/bizproc', robotCallBody());
    await postForm(t.app, '/bitrix24/bizproc', robotCallBody({ 'auth[application_token]': 'wrong' }));
    await postForm(t.app, '/bitrix24/bizproc', robotCallBody({ use_subscription: 'X' }));
    await postForm(t.app, '/bitrix24/bizproc', robotCallBody({ code: 'UNKNOWN' }));
    await postForm(t.app, '/bitrix24/bizproc', `${robotCallBody()}&x=%E0%A4%A`);
    await postForm(t.app, '/bitrix24/events', eventBody());
    await postForm(t.app, '/bitrix24/install', installBody());
    t.verifier.failWith = 'the OAuth refresh failed (invalid_grant)';
    await postForm(t.app, '/bitrix24/install', installBody());
    t.gateway.robotAnswer = async () => {
      throw new Error('boom');
    };
    await postForm(t.app, '/bitrix24/bizproc', robotCallBody());

    expect(lines.length).toBeGreaterThan(15);
    const all = lines.join('\n');
    expect(findSecret(all, { eventToken: true })).toBeUndefined();
    expect(all).not.toContain(SECRETS.applicationToken);
  });

  it('log the accepted robot call and the rejected sender with their portal', async () => {
    await postForm(t.app, '/bitrix24/bizproc', robotCallBody());
    await postForm(t.app, '/bitrix24/bizproc', robotCallBody({ 'auth[application_token]': 'wrong' }));
    const messages = logged().map((line) => line.msg);
    // One line per accepted call: the access line, whose workflow id names the robot and the portal.
    const lines = logged() as { msg?: string; statusCode?: number; workflowId?: string }[];
    const accepted = lines.find((line) => line.msg === 'request completed' && line.statusCode === 200);
    expect(accepted?.workflowId).toMatch(new RegExp(`^robot/[^/]+/${MEMBER_ID}/`));
    expect(messages).toContain('delivery with a wrong application_token');
  });

  it('log a 5xx with method, url and the error, while the answer hides it', async () => {
    t.gateway.robotAnswer = async () => {
      throw new Error('visibility store exploded');
    };
    const response = await postForm(t.app, '/bitrix24/bizproc', robotCallBody());
    expect(response.json()).toEqual({ error: 'INTERNAL_ERROR', message: 'Internal Server Error' });
    const failure = logged().find((line) => line.msg === 'request failed') as
      | { method: string; url: string; level: number; err: { message: string } }
      | undefined;
    expect(failure).toMatchObject({ method: 'POST', url: '/bitrix24/bizproc', level: 50, err: { message: 'visibility store exploded' } });
  });

  it('log a 4xx rejection with method, url and its reason', async () => {
    await postForm(t.app, '/bitrix24/events', eventBody({ ts: null }));
    const rejection = logged().find((line) => line.msg === 'request rejected');
    expect(rejection).toMatchObject({ method: 'POST', url: '/bitrix24/events', statusCode: 400, error: 'VALIDATION_FAILED' });
  });
});
