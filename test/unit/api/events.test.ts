import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TemporalUnavailableError } from '../../../api/workflow-gateway.js';
import { buildTestApp, capturingLogger, eventBody, findSecret, MEMBER_ID, postForm, SECRETS, type TestApp } from './fakes.js';

const ROUTE = '/bitrix24/events';

describe('POST /bitrix24/events', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(async () => {
    await t.app.close();
  });

  it('an event without a route is acknowledged as ignored', async () => {
    const response = await postForm(t.app, ROUTE, eventBody());
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ignored' });
    expect(t.gateway.events).toHaveLength(1);
  });

  it('a routed event answers with the workflow that took it, and passes no auth values on', async () => {
    t.gateway.eventAnswer = async () => ({ workflowId: `entity/${MEMBER_ID}/2/759` });
    const response = await postForm(t.app, ROUTE, eventBody());
    expect(response.json()).toEqual({ status: 'accepted', workflowId: `entity/${MEMBER_ID}/2/759` });
    expect(findSecret(JSON.stringify(t.gateway.events))).toBeUndefined();
  });

  it('accepts an outgoing-webhook delivery that carries no OAuth tokens', async () => {
    const body = eventBody({ 'auth[access_token]': null, 'auth[expires_in]': null, 'auth[scope]': null, 'auth[status]': null });
    expect((await postForm(t.app, ROUTE, body)).statusCode).toBe(200);
  });

  it('upper-cases the event name', async () => {
    await postForm(t.app, ROUTE, eventBody({ event: 'onCrmDealUpdate' }));
    expect(t.gateway.events[0]?.event).toBe('ONCRMDEALUPDATE');
  });

  it('accepts a delivery without event_handler_id (outgoing webhooks and ONOFFLINEEVENT carry none)', async () => {
    t.gateway.eventAnswer = async () => ({ workflowId: `entity/${MEMBER_ID}/2/759` });
    const response = await postForm(t.app, ROUTE, eventBody({ event_handler_id: null }));
    expect(response.json()).toEqual({ status: 'accepted', workflowId: `entity/${MEMBER_ID}/2/759` });
    expect(t.gateway.events[0]).not.toHaveProperty('eventHandlerId');
  });

  it.each([
    ['event', 'event'],
    ['ts', 'ts'],
    ['auth[application_token]', 'auth.application_token'],
    ['auth[member_id]', 'auth.member_id'],
  ])('without %s it is a 400 naming %s', async (field, path) => {
    const response = await postForm(t.app, ROUTE, eventBody({ [field]: null }));
    expect(response.statusCode).toBe(400);
    expect(response.json<{ issues: { path: string }[] }>().issues.map((issue) => issue.path)).toContain(path);
    expect(t.gateway.calls).toBe(0);
  });

  it('an unknown portal is a 401', async () => {
    const response = await postForm(t.app, ROUTE, eventBody({ 'auth[member_id]': 'unknown' }));
    expect(response.statusCode).toBe(401);
    expect(t.gateway.calls).toBe(0);
  });

  it('a wrong application_token is a 401', async () => {
    const response = await postForm(t.app, ROUTE, eventBody({ 'auth[application_token]': SECRETS.accessToken }));
    expect(response.statusCode).toBe(401);
    expect(findSecret(response.body)).toBeUndefined();
    expect(t.gateway.calls).toBe(0);
  });

  it('Temporal unavailable is a 503', async () => {
    t.gateway.eventAnswer = async () => {
      throw new TemporalUnavailableError('no answer');
    };
    const response = await postForm(t.app, ROUTE, eventBody());
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: 'TEMPORAL_UNAVAILABLE' });
  });
});

/** The documented ONOFFLINEEVENT body (b24restdocs api-reference/events/on-offline-event.md): empty data, a refresh token. */
function offlineNotice(overrides: Record<string, string | null> = {}): string {
  return eventBody({ event: 'ONOFFLINEEVENT', event_handler_id: null, 'data[FIELDS][ID]': null, 'auth[refresh_token]': SECRETS.refreshToken, ...overrides });
}

describe('POST /bitrix24/events with ONOFFLINEEVENT', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.app.close();
  });

  it('wakes the portal offline drain and routes nothing; no token reaches the logs', async () => {
    const { logger, lines } = capturingLogger();
    t = await buildTestApp({ logger });
    const response = await postForm(t.app, ROUTE, offlineNotice());
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'accepted', workflowId: `offline-drain/${MEMBER_ID}` });
    expect(t.gateway.drainWakes).toEqual([MEMBER_ID]);
    expect(t.gateway.events).toEqual([]);
    expect(findSecret(lines.join('\n'))).toBeUndefined();
  });

  it('accepts the JSON form with data: []', async () => {
    t = await buildTestApp();
    const body = {
      event: 'ONOFFLINEEVENT',
      data: [],
      ts: '1466439714',
      auth: { member_id: MEMBER_ID, domain: 'example.bitrix24.com', application_token: SECRETS.applicationToken, refresh_token: SECRETS.refreshToken },
    };
    const response = await t.app.inject({ method: 'POST', url: ROUTE, payload: body });
    expect(response.statusCode).toBe(200);
    expect(t.gateway.drainWakes).toEqual([MEMBER_ID]);
  });

  it('is verified like any delivery: a wrong application_token wakes nothing', async () => {
    t = await buildTestApp();
    const response = await postForm(t.app, ROUTE, offlineNotice({ 'auth[application_token]': 'not-the-token' }));
    expect(response.statusCode).toBe(401);
    expect(t.gateway.drainWakes).toEqual([]);
  });

  it('Temporal unavailable is a 503', async () => {
    t = await buildTestApp();
    t.gateway.drainAnswer = async () => {
      throw new TemporalUnavailableError('no answer');
    };
    const response = await postForm(t.app, ROUTE, offlineNotice());
    expect(response.statusCode).toBe(503);
  });
});
