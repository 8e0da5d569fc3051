import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TemporalUnavailableError } from '../../../api/workflow-gateway.js';
import { buildTestApp, eventBody, findSecret, MEMBER_ID, postForm, SECRETS, type TestApp } from './fakes.js';

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

  it.each([
    ['event', 'event'],
    ['event_handler_id', 'event_handler_id'],
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
