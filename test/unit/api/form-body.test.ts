import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BODY_LIMITS, parseFormBody, parseJsonBody } from '../../../api/plugins/form-body.js';
import {
  buildTestApp,
  DOMAIN,
  EVENT_TOKEN,
  eventBody,
  installBody,
  MEMBER_ID,
  postForm,
  robotCallBody,
  SECRETS,
  type TestApp,
} from './fakes.js';

describe('form body parsing', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(async () => {
    await t.app.close();
  });

  it('parses a robot call as Bitrix24 posts it (PHP brackets) into the RobotCall the workflow gets', async () => {
    const raw =
      'workflow_id=55c1dc1c3f0d75.78875596&code=GET_1C_PRICE&document_id%5B0%5D=crm&document_id%5B1%5D=CCrmDocumentDeal' +
      '&document_id%5B2%5D=DEAL_759&document_type%5B0%5D=crm&document_type%5B1%5D=CCrmDocumentDeal&document_type%5B2%5D=DEAL' +
      `&event_token=${encodeURIComponent(EVENT_TOKEN)}&properties%5Barticle%5D=SKU+100%2F7&use_subscription=Y&timeout_duration=0` +
      `&ts=1736405807&auth%5Baccess_token%5D=${SECRETS.accessToken}&auth%5Bexpires_in%5D=3600&auth%5Bdomain%5D=${DOMAIN}` +
      `&auth%5Bmember_id%5D=${MEMBER_ID}&auth%5Buser_id%5D=7&auth%5Bapplication_token%5D=${SECRETS.applicationToken}`;
    const response = await postForm(t.app, '/bitrix24/bizproc', raw);

    expect(response.statusCode).toBe(200);
    expect(t.gateway.robotStarts).toHaveLength(1);
    expect(t.gateway.robotStarts[0]?.call).toEqual({
      memberId: MEMBER_ID,
      domain: DOMAIN,
      robotCode: 'GET_1C_PRICE',
      bizprocWorkflowId: '55c1dc1c3f0d75.78875596',
      documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_759'],
      documentType: ['crm', 'CCrmDocumentDeal', 'DEAL'],
      eventToken: EVENT_TOKEN,
      properties: { article: 'SKU 100/7' },
      useSubscription: true,
      timeoutDuration: 0,
      ts: 1736405807,
      userId: 7,
    });
  });

  it('accepts a charset parameter on the content type', async () => {
    const response = await postForm(t.app, '/bitrix24/bizproc', robotCallBody(), 'application/x-www-form-urlencoded; charset=UTF-8');
    expect(response.statusCode).toBe(200);
  });

  it('parses an event body as Bitrix24 posts it (data[FIELDS][ID]) into the CrmEvent the gateway routes', async () => {
    const response = await postForm(t.app, '/bitrix24/events', eventBody());
    expect(response.statusCode).toBe(200);
    expect(t.gateway.events).toEqual([
      { memberId: MEMBER_ID, domain: DOMAIN, event: 'ONCRMDEALUPDATE', eventHandlerId: '201', data: { FIELDS: { ID: '759' } }, ts: 1736405807 },
    ]);
  });

  it('parses the dynamic-item event with ENTITY_TYPE_ID', async () => {
    const body = eventBody({ event: 'ONCRMDYNAMICITEMADD', 'data[FIELDS][ENTITY_TYPE_ID]': '147' });
    expect((await postForm(t.app, '/bitrix24/events', body)).statusCode).toBe(200);
    expect(t.gateway.events[0]?.data).toEqual({ FIELDS: { ID: '759', ENTITY_TYPE_ID: '147' } });
  });

  it('parses the install body into the claim the verifier checks', async () => {
    const response = await postForm(t.app, '/bitrix24/install', installBody());
    expect(response.statusCode).toBe(200);
    expect(t.verifier.claims).toEqual([
      {
        memberId: MEMBER_ID,
        domain: DOMAIN,
        clientEndpoint: `https://${DOMAIN}/rest/`,
        serverEndpoint: 'https://oauth.bitrix.info/rest/',
        applicationToken: SECRETS.applicationToken,
        accessToken: SECRETS.accessToken,
        refreshToken: SECRETS.refreshToken,
      },
    ]);
  });

  it('accepts the same call as JSON', async () => {
    const json = parseFormBody(robotCallBody());
    const response = await t.app.inject({ method: 'POST', url: '/bitrix24/bizproc', payload: json });
    expect(response.statusCode).toBe(200);
    expect(t.gateway.robotStarts[0]?.call.properties).toEqual({ article: 'SKU-100' });
  });

  const hostile: { name: string; body: string; status: number; message: RegExp; contentType?: string }[] = [
    { name: 'malformed percent-encoding in a value', body: `${robotCallBody()}&x=%E0%A4%A`, status: 400, message: /malformed percent-encoding/ },
    { name: 'malformed percent-encoding in a key', body: `${robotCallBody()}&a%ZZb=1`, status: 400, message: /malformed percent-encoding/ },
    { name: '10,000 parameters', body: Array.from({ length: 10_000 }, (_, i) => `p${i}=1`).join('&'), status: 400, message: /parameter limit of 1000 exceeded/ },
    { name: 'depth 50 brackets', body: `a${'[b]'.repeat(50)}=1`, status: 400, message: /nesting depth limit of 5 exceeded/ },
    { name: 'array index 10^9', body: `${robotCallBody()}&properties[article][1000000000]=x`, status: 400, message: /array limit of 100/ },
    { name: '101 appended array elements', body: Array.from({ length: 101 }, () => 'a[]=1').join('&'), status: 400, message: /array limit of 100/ },
    { name: '__proto__ key at the root', body: `${robotCallBody()}&__proto__[polluted]=1`, status: 400, message: /forbidden key "__proto__"/ },
    { name: '__proto__ key nested', body: `${robotCallBody()}&auth[__proto__][member_id]=x`, status: 400, message: /forbidden key "__proto__"/ },
    { name: 'percent-encoded __proto__', body: `${robotCallBody()}&%5F%5Fproto%5F%5F%5Bx%5D=1`, status: 400, message: /forbidden key "__proto__"/ },
    { name: 'constructor[prototype]', body: `${robotCallBody()}&constructor[prototype][x]=1`, status: 400, message: /forbidden key "constructor"/ },
    { name: 'oversized body', body: `x=${'a'.repeat(BODY_LIMITS.bodySize)}`, status: 413, message: /too large/i },
    { name: 'wrong content type', body: robotCallBody(), status: 415, message: /unsupported media type/i, contentType: 'text/plain' },
    { name: 'multipart body', body: robotCallBody(), status: 415, message: /unsupported media type/i, contentType: 'multipart/form-data; boundary=x' },
    { name: 'empty form body', body: '', status: 400, message: /request body is empty/ },
    { name: 'invalid JSON', body: `{"auth":{"application_token":"${SECRETS.applicationToken}"`, status: 400, message: /not valid JSON/, contentType: 'application/json' },
    { name: 'empty JSON body', body: '', status: 400, message: /request body is empty/, contentType: 'application/json' },
    { name: 'JSON __proto__', body: '{"__proto__":{"polluted":true}}', status: 400, message: /forbidden key "__proto__"/, contentType: 'application/json' },
    { name: 'JSON nested too deep', body: `${'{"a":'.repeat(50)}1${'}'.repeat(50)}`, status: 400, message: /nesting depth limit of 5/, contentType: 'application/json' },
  ];

  for (const route of ['/bitrix24/bizproc', '/bitrix24/events', '/bitrix24/install']) {
    it.each(hostile)(`${route}: $name → $status JSON naming the problem, nothing started`, async ({ body, status, message, contentType }) => {
      const response = await postForm(t.app, route, body, contentType);
      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const answer = response.json<{ error: string; message: string }>();
      expect(answer.message).toMatch(message);
      expect(answer.error).toMatch(/^(BAD_REQUEST|PAYLOAD_TOO_LARGE|UNSUPPORTED_MEDIA_TYPE)$/);
      expect(response.body).not.toContain(SECRETS.applicationToken);
      expect(t.gateway.calls).toBe(0);
      expect(t.portals.finds).toBe(0);
      expect(t.verifier.claims).toHaveLength(0);
    });
  }

  it('answers 400 to a POST without any body or content type', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/bitrix24/bizproc' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'BAD_REQUEST', message: 'request body is empty' });
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/nowhere' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'NOT_FOUND' });
  });
});

describe('parseFormBody limits at their edges', () => {
  it('accepts depth 5 and rejects depth 6', () => {
    expect(parseFormBody('a[b][c][d][e][f]=1')).toEqual({ a: { b: { c: { d: { e: { f: '1' } } } } } });
    expect(() => parseFormBody('a[b][c][d][e][f][g]=1')).toThrow(/nesting depth limit of 5/);
  });

  it('accepts 1000 parameters and rejects 1001', () => {
    const params = (count: number) => Array.from({ length: count }, (_, i) => `p${i}=1`).join('&');
    expect(Object.keys(parseFormBody(params(1000)))).toHaveLength(1000);
    expect(() => parseFormBody(params(1001))).toThrow(/parameter limit of 1000/);
  });

  it('accepts array index 99 and rejects index 100', () => {
    expect(parseFormBody('a[99]=x')).toEqual({ a: ['x'] });
    expect(() => parseFormBody('a[100]=x')).toThrow(/array limit of 100/);
  });

  it('keeps values that only look dangerous', () => {
    expect(parseFormBody('a=__proto__&b=%2B1&c=x+y')).toEqual({ a: '__proto__', b: '+1', c: 'x y' });
  });
});

describe('JSON bodies nested far beyond the limit', () => {
  it('answer 400 naming the depth limit, not a stack overflow', () => {
    const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    expect(() => parseJsonBody(deep)).toThrow(/nesting depth limit/);
    expect(() => parseJsonBody(`${'['.repeat(50_000)}${']'.repeat(50_000)}`)).toThrow(/nesting depth limit/);
  });
});
