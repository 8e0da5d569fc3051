import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { callRest, startCaptureServer } from './helpers.js';

describe('Bitrix24 emulator: robot calls and event_token semantics', () => {
  let emulator: Bitrix24Emulator;
  let handler: Awaited<ReturnType<typeof startCaptureServer>>;
  let webhook: string;
  beforeAll(async () => {
    emulator = await startBitrix24Emulator({ rateLimit: false });
    handler = await startCaptureServer();
    webhook = emulator.webhookUrl();
  });
  afterAll(async () => {
    await emulator.close();
    await handler.close();
  });

  it('POSTs the robot call form-urlencoded with PHP brackets, the documented key order and a full auth block', async () => {
    const fired = await emulator.fireRobot(handler.url, {
      code: 'erp_order',
      documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_759'],
      properties: { article: 'SKU-1', note: null },
      timeoutDuration: 600,
    });
    expect(fired.status).toBe(200);
    expect(fired.body).toEqual({ status: 'queued' });
    const request = handler.requests.at(-1);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.raw).toContain('document_id%5B0%5D=crm&document_id%5B1%5D=CCrmDocumentDeal&document_id%5B2%5D=DEAL_759');
    expect(request?.raw).toContain('properties%5Barticle%5D=SKU-1&properties%5Bnote%5D=&');
    const topLevel = [...new Set(request?.raw.split('&').map((pair) => decodeURIComponent(pair.split('=')[0] ?? '').split('[')[0]))];
    expect(topLevel).toEqual(['workflow_id', 'code', 'document_id', 'document_type', 'event_token', 'properties', 'use_subscription', 'timeout_duration', 'ts', 'auth']);

    const form = request?.form as Record<string, unknown>;
    expect(form).toMatchObject({ code: 'erp_order', use_subscription: 'Y', timeout_duration: '600', event_token: fired.eventToken });
    expect(String(form.event_token)).toMatch(/^[0-9a-f]{14}\.\d{8}\|A\d{5}_\d{5}_\d{5}_\d{5}\|[A-Za-z0-9]{32}\.[0-9a-f]+$/);
    expect(String(form.event_token).startsWith(`${String(form.workflow_id)}|`)).toBe(true);
    const auth = form.auth as Record<string, string>;
    expect(Object.keys(auth)).toEqual([
      'access_token', 'expires', 'expires_in', 'scope', 'domain', 'server_endpoint', 'status',
      'client_endpoint', 'member_id', 'user_id', 'refresh_token', 'application_token',
    ]);
    expect(auth).toMatchObject({
      domain: emulator.domain,
      client_endpoint: emulator.clientEndpoint,
      server_endpoint: emulator.serverEndpoint,
      member_id: emulator.memberId,
      application_token: emulator.applicationToken,
      expires_in: '3600',
      user_id: '1',
    });
    // The token delivered with the call works against the portal.
    expect((await callRest(emulator.clientEndpoint, 'user.current', { auth: auth.access_token })).status).toBe(200);
  });

  it('completes the robot on bizproc.event.send and records a later send as late, still answering true', async () => {
    const { eventToken } = await emulator.fireRobot(handler.url, { code: 'price' });
    expect(emulator.robotResult(eventToken)?.status).toBe('waiting');
    const progress = await callRest(webhook, 'bizproc.activity.log', { EVENT_TOKEN: eventToken, LOG_MESSAGE: 'asking 1C' });
    expect(progress.body.result).toBe(true);

    const sent = await callRest(webhook, 'bizproc.event.send', { event_token: eventToken, return_values: { price: 10 }, log_message: 'done' });
    expect(sent).toMatchObject({ status: 200, body: { result: true } });
    const invocation = await emulator.waitForRobotCompletion(eventToken, 1000);
    expect(invocation).toMatchObject({ status: 'completed', returnValues: { price: 10 }, logMessages: ['asking 1C', 'done'] });

    const late = await callRest(webhook, 'bizproc.event.send', { EVENT_TOKEN: eventToken, RETURN_VALUES: { price: 99 } });
    expect(late.body.result).toBe(true);
    expect(emulator.robotResult(eventToken)).toMatchObject({
      returnValues: { price: 10 },
      lateSends: [{ reason: 'already_completed', returnValues: { price: 99 } }],
    });
  });

  it('refuses unknown and tampered event tokens with 403 ACCESS_DENIED', async () => {
    const { eventToken } = await emulator.fireRobot(handler.url, { code: 'price' });
    const tampered = eventToken.replace(/\|[A-Za-z0-9]{32}\./, `|${'x'.repeat(32)}.`);
    for (const token of ['55c1dc1c3f0d75.78875596|A1|abc.def', tampered, '']) {
      const answer = await callRest(webhook, 'bizproc.event.send', { EVENT_TOKEN: token, RETURN_VALUES: {} });
      expect(answer).toEqual({ status: 403, body: { error: 'ACCESS_DENIED', error_description: 'Access denied!' } });
    }
    expect(emulator.robotResult(eventToken)?.status).toBe('waiting');
  });

  it('times a robot out after timeout_duration and treats the send that follows as late', async () => {
    const { eventToken } = await emulator.fireRobot(handler.url, { code: 'price', timeoutDuration: 300 });
    emulator.advanceClock(301);
    expect(emulator.robotResult(eventToken)).toMatchObject({ status: 'timed_out', returnValues: { IsTimeout: 1 } });
    await callRest(webhook, 'bizproc.event.send', { EVENT_TOKEN: eventToken, RETURN_VALUES: { price: 1 } });
    expect(emulator.robotResult(eventToken)?.lateSends).toMatchObject([{ reason: 'timed_out' }]);
  });

  it('times out on the real clock too, and waitForRobotCompletion reports it', async () => {
    const { eventToken } = await emulator.fireRobot(handler.url, { code: 'price', timeoutDuration: 1 });
    const invocation = await emulator.waitForRobotCompletion(eventToken, 5000);
    expect(invocation.status).toBe('timed_out');
    expect(invocation.completedAt).toBe(invocation.firedAt + 1000);
  });

  it('re-delivers the same call for a duplicate delivery, with the same event token and workflow id', async () => {
    const first = await emulator.fireRobot(handler.url, { code: 'price', properties: { article: 'A' } });
    const firstForm = handler.requests.at(-1)?.form;
    const again = await emulator.fireRobot(handler.url, { code: 'price', eventToken: first.eventToken });
    const againForm = handler.requests.at(-1)?.form;
    expect(again.eventToken).toBe(first.eventToken);
    expect(againForm).toMatchObject({ workflow_id: firstForm?.workflow_id, event_token: first.eventToken, properties: { article: 'A' } });
    expect(emulator.robotResult(first.eventToken)?.deliveries).toBe(2);
  });

  it('sends a wrong application_token when asked, and closes use_subscription=N robots at once', async () => {
    const fired = await emulator.fireRobot(handler.url, { code: 'price', applicationToken: 'forged', useSubscription: false });
    expect((handler.requests.at(-1)?.form.auth as Record<string, string>).application_token).toBe('forged');
    expect(handler.requests.at(-1)?.form.use_subscription).toBe('N');
    expect(emulator.robotResult(fired.eventToken)?.status).toBe('completed');
  });

  it('delivers install and events with the documented bodies', async () => {
    await emulator.installApp(handler.url);
    const install = handler.requests.at(-1)?.raw ?? '';
    expect(install).toMatch(/^event=ONAPPINSTALL&data%5BVERSION%5D=1&data%5BACTIVE%5D=Y&data%5BINSTALLED%5D=Y&data%5BLANGUAGE_ID%5D=en&ts=\d+&auth%5Baccess_token%5D=/);
    expect(install).toContain(`auth%5Bapplication_token%5D=${emulator.applicationToken}`);

    await emulator.fireEvent(handler.url, 'ONCRMDEALUPDATE', { FIELDS: { ID: '759' } });
    const event = handler.requests.at(-1);
    expect(event?.raw).toMatch(/^event=ONCRMDEALUPDATE&event_handler_id=\d+&data%5BFIELDS%5D%5BID%5D=759&ts=\d+&auth/);
    expect(Object.keys(event?.form.auth as object)).not.toContain('refresh_token');
  });
});
