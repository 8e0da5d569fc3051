import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TemporalUnavailableError } from '../../../api/workflow-gateway.js';
import { GET_1C_PRICE } from '../../../contracts/robot-declarations.js';
import { buildTestApp, EVENT_TOKEN, findSecret, MEMBER_ID, postForm, robotCallBody, SECRETS, type TestApp } from './fakes.js';

const ROUTE = '/bitrix24/bizproc';

interface ErrorAnswer {
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
}

describe('POST /bitrix24/bizproc', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(async () => {
    await t.app.close();
  });

  describe('validation', () => {
    it.each([
      ['workflow_id', 'workflow_id'],
      ['code', 'code'],
      ['document_id[2]', 'document_id'],
      ['event_token', 'event_token'],
      ['use_subscription', 'use_subscription'],
      ['timeout_duration', 'timeout_duration'],
      ['ts', 'ts'],
      ['auth[member_id]', 'auth.member_id'],
      ['auth[domain]', 'auth.domain'],
      ['auth[application_token]', 'auth.application_token'],
    ])('a call without %s is a 400 naming %s', async (field, path) => {
      const response = await postForm(t.app, ROUTE, robotCallBody({ [field]: null }));
      expect(response.statusCode).toBe(400);
      const answer = response.json<ErrorAnswer>();
      expect(answer.error).toBe('VALIDATION_FAILED');
      expect(answer.issues?.map((issue) => issue.path)).toContain(path);
      expect(answer.message).toContain(path);
      expect(t.gateway.calls).toBe(0);
    });

    it.each([
      ['use_subscription', 'maybe', 'use_subscription'],
      ['timeout_duration', '-1', 'timeout_duration'],
      ['timeout_duration', '1.5', 'timeout_duration'],
      ['ts', 'yesterday', 'ts'],
      ['code', 'GET 1C PRICE', 'code'],
    ])('%s=%s is a 400 naming the field', async (field, value, path) => {
      const response = await postForm(t.app, ROUTE, robotCallBody({ [field]: value }));
      expect(response.statusCode).toBe(400);
      expect(response.json<ErrorAnswer>().issues?.map((issue) => issue.path)).toEqual([path]);
      expect(t.gateway.calls).toBe(0);
    });

    it('rejects an auth block sent as a plain string', async () => {
      const withoutAuth = robotCallBody().split('&').filter((pair) => !pair.startsWith('auth%5B'));
      const body = [...withoutAuth, 'auth=x'].join('&');
      const response = await postForm(t.app, ROUTE, body);
      expect(response.statusCode).toBe(400);
      expect(response.json<ErrorAnswer>().issues).toEqual([{ path: 'auth', message: 'must be an object' }]);
    });

    it('a document_id with two parts is a 400', async () => {
      const response = await postForm(t.app, ROUTE, robotCallBody({ 'document_id[2]': null }));
      expect(response.json<ErrorAnswer>().issues?.[0]?.path).toBe('document_id');
    });

    it('a property of the wrong shape is a 400', async () => {
      const body = robotCallBody({ 'properties[article]': null, 'properties[article][0]': 'a', 'properties[article][1]': 'b' });
      const response = await postForm(t.app, ROUTE, body);
      expect(response.json<ErrorAnswer>().issues).toEqual([{ path: 'properties.article', message: 'must be a single value' }]);
    });

    it('never echoes token values in a validation error', async () => {
      const response = await postForm(t.app, ROUTE, robotCallBody({ use_subscription: SECRETS.applicationToken, ts: SECRETS.accessToken }));
      expect(response.statusCode).toBe(400);
      expect(findSecret(response.body)).toBeUndefined();
    });

  });

  describe('authentic calls the app cannot serve', () => {
    it('a missing required property is a 400 naming properties.article, and the business process gets the error', async () => {
      const response = await postForm(t.app, ROUTE, robotCallBody({ 'properties[article]': null }));
      expect(response.statusCode).toBe(400);
      expect(response.json<ErrorAnswer>()).toEqual({
        error: 'VALIDATION_FAILED',
        message: 'invalid request: properties.article: is required; the business process was answered with this error',
        issues: [{ path: 'properties.article', message: 'is required' }],
      });
      expect(t.gateway.robotStarts).toHaveLength(0);
      expect(t.gateway.refusals).toEqual([
        {
          memberId: MEMBER_ID,
          robotCode: 'GET_1C_PRICE',
          eventToken: EVENT_TOKEN,
          documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_759'],
          reason: 'invalid request: properties.article: is required',
        },
      ]);
    });

    it('a code this app no longer declares is a 404 UNKNOWN_ROBOT, and the business process gets the error', async () => {
      const response = await postForm(t.app, ROUTE, robotCallBody({ code: 'NO_SUCH_ROBOT' }));
      expect(response.statusCode).toBe(404);
      expect(response.json<ErrorAnswer>()).toEqual({
        error: 'UNKNOWN_ROBOT',
        message: 'no robot or activity with code NO_SUCH_ROBOT is declared by this app; the business process was answered with this error',
      });
      expect(t.gateway.robotStarts).toHaveLength(0);
      expect(t.gateway.refusals.map((refusal) => [refusal.robotCode, refusal.reason])).toEqual([
        ['NO_SUCH_ROBOT', 'no robot or activity with code NO_SUCH_ROBOT is declared by this app'],
      ]);
    });

    it('answers only once Temporal recorded the refusal; unavailable is a 503', async () => {
      t.gateway.refusalAnswer = async () => {
        throw new TemporalUnavailableError('Temporal did not answer within 2000 ms');
      };
      const response = await postForm(t.app, ROUTE, robotCallBody({ 'properties[article]': null }));
      expect(response.statusCode).toBe(503);
    });

    it('starts nothing when nobody waits for an answer (use_subscription=N)', async () => {
      const response = await postForm(t.app, ROUTE, robotCallBody({ 'properties[article]': null, use_subscription: 'N' }));
      expect(response.statusCode).toBe(400);
      expect(response.json<ErrorAnswer>().message).toBe('invalid request: properties.article: is required');
      expect(t.gateway.calls).toBe(0);
    });

    it.each([
      ['from a portal that never installed the app', { 'auth[member_id]': 'someone-else' }],
      ['with a wrong application_token', { 'auth[application_token]': 'forged' }],
    ])('an unauthenticated call %s stays a 401 and starts nothing', async (_name, auth) => {
      for (const body of [robotCallBody({ ...auth, 'properties[article]': null }), robotCallBody({ ...auth, code: 'NO_SUCH_ROBOT' })]) {
        const response = await postForm(t.app, ROUTE, body);
        expect(response.statusCode).toBe(401);
      }
      expect(t.gateway.calls).toBe(0);
    });

    it('never puts a property value into the refusal', async () => {
      const response = await postForm(t.app, ROUTE, robotCallBody({ 'properties[article][0]': 'SECRET-VALUE-1', 'properties[article]': null }));
      expect(response.statusCode).toBe(400);
      expect(JSON.stringify(t.gateway.refusals)).not.toContain('SECRET-VALUE-1');
    });
  });

  describe('sender verification', () => {
    it('a portal that never installed the app is a 401', async () => {
      const response = await postForm(t.app, ROUTE, robotCallBody({ 'auth[member_id]': 'someone-else' }));
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: 'UNAUTHORIZED', message: 'the sender could not be verified' });
      expect(t.gateway.calls).toBe(0);
    });

    it.each([
      ['a different token', 'APPTOKEN-51c9e4a7d5f0b3'],
      ['a prefix of the token', SECRETS.applicationToken.slice(0, -1)],
      ['the token plus a character', `${SECRETS.applicationToken}x`],
    ])('%s is a 401 and starts nothing', async (_name, token) => {
      const response = await postForm(t.app, ROUTE, robotCallBody({ 'auth[application_token]': token }));
      expect(response.statusCode).toBe(401);
      expect(findSecret(response.body)).toBeUndefined();
      expect(t.gateway.calls).toBe(0);
    });

    it('the right token starts the workflow with a RobotCall free of auth values', async () => {
      const response = await postForm(t.app, ROUTE, robotCallBody());
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'accepted', workflowId: `robot/GET_1C_PRICE/${MEMBER_ID}/test`, duplicate: false });

      expect(t.gateway.robotStarts).toHaveLength(1);
      const { declaration, call } = t.gateway.robotStarts[0]!;
      expect(declaration).toBe(GET_1C_PRICE);
      expect(findSecret(JSON.stringify(call))).toBeUndefined();
      expect(JSON.stringify(call)).not.toContain('auth');
      expect(call).toMatchObject({ memberId: MEMBER_ID, eventToken: EVENT_TOKEN, properties: { article: 'SKU-100' }, userId: 1, timeoutDuration: 3600 });
    });
  });

  describe('durable ack', () => {
    it('answers only after the gateway resolved, passing duplicate through', async () => {
      let release: (() => void) | undefined;
      t.gateway.robotAnswer = () =>
        new Promise((resolve) => {
          release = () => resolve({ workflowId: 'robot/x', duplicate: true });
        });
      let answered = false;
      const pending = postForm(t.app, ROUTE, robotCallBody()).then((response) => {
        answered = true;
        return response;
      });
      await expect.poll(() => t.gateway.robotStarts.length).toBe(1);
      expect(answered).toBe(false);
      release?.();
      const response = await pending;
      expect(response.json()).toEqual({ status: 'accepted', workflowId: 'robot/x', duplicate: true });
    });

    it('Temporal unavailable is a 503 TEMPORAL_UNAVAILABLE', async () => {
      t.gateway.robotAnswer = async () => {
        throw new TemporalUnavailableError('Temporal did not answer within 2000 ms');
      };
      const response = await postForm(t.app, ROUTE, robotCallBody());
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ error: 'TEMPORAL_UNAVAILABLE' });
    });

    it('any other gateway failure is a 500 whose message is hidden', async () => {
      t.gateway.robotAnswer = async () => {
        throw new Error(`search attribute rejected for ${SECRETS.accessToken}`);
      };
      const response = await postForm(t.app, ROUTE, robotCallBody());
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({ error: 'INTERNAL_ERROR', message: 'Internal Server Error' });
    });
  });
});
