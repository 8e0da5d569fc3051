import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBitrix24Client, type Bitrix24Client } from '../../../integrations/bitrix24/client.js';
import { buildApp } from '../../../api/app.js';
import { REFUSALS } from '../../../api/placements/access.js';
import { derivePageTokenKey, issuePageToken, PAGE_TOKEN_TTL_SECONDS } from '../../../api/placements/page-token.js';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../../emulators/bitrix24/index.js';
import { FakeVerifier, formEncode, InMemoryPortals, RecordingGateway, storedPortal, testConfig } from './fakes.js';
import { FakeRunsService, fakeRun } from './placements-fakes.js';

const PUBLIC_URL = 'http://127.0.0.1:3000';
const HANDLER = `${PUBLIC_URL}/bitrix24/placements/runs`;
const config = testConfig({ PUBLIC_URL });
const USERS = { admin: 1, head: 2, other: 3, responsible: 4 } as const;

let emulator: Bitrix24Emulator;
let appBitrix24: Bitrix24Client;
let app: FastifyInstance;
let runs: FakeRunsService;
let now: number;
let dealId: number;

const failedRunId = 'robot/GET_1C_PRICE/m/failed';
const runningRunId = 'robot/ERP_ORDER/m/running';

beforeAll(async () => {
  emulator = await startBitrix24Emulator({ rateLimit: false });
  // Riley works in the Quality department, whose head is Quinn (user 2).
  emulator.state.addUser({ NAME: 'Riley', LAST_NAME: 'Responsible', UF_DEPARTMENT: [2] });
  dealId = emulator.state.addItem(2, { title: 'Pumps <b>for</b> "Acme"', assignedById: USERS.responsible }).id;
  appBitrix24 = createBitrix24Client({
    store: new InMemoryPortals([]),
    webhookUrl: emulator.webhookUrl(1),
    rateLimit: { perSecond: 1000, burst: 1000 },
    logger: pino({ level: 'silent' }),
  });
});

afterAll(async () => {
  await app?.close();
  await appBitrix24?.close();
  await emulator?.close();
});

beforeEach(async () => {
  await app?.close();
  now = 1_800_000_000;
  const documentKey = `DEAL_${dealId}`;
  runs = new FakeRunsService([
    fakeRun({
      workflowId: failedRunId,
      memberId: emulator.memberId,
      documentKey,
      outcome: 'failed',
      detail: 'No price: 1C could not be reached <script>alert(1)</script>',
    }),
    fakeRun({
      workflowId: runningRunId,
      memberId: emulator.memberId,
      documentKey,
      status: 'RUNNING',
      outcome: 'waiting-external',
      process: 'erp-order',
      detail: 'running',
    }),
    fakeRun({ workflowId: 'robot/GET_1C_PRICE/m/other-deal', memberId: emulator.memberId, documentKey: 'DEAL_999', outcome: 'failed' }),
  ]);
  app = await buildApp({
    config,
    logger: { level: 'silent' },
    portals: new InMemoryPortals([
      storedPortal({
        memberId: emulator.memberId,
        domain: emulator.domain,
        clientEndpoint: emulator.clientEndpoint,
        applicationToken: emulator.applicationToken,
      }),
    ]),
    workflows: new RecordingGateway(),
    installVerifier: new FakeVerifier(),
    temporalHealth: async () => true,
    runsTab: { runs, bitrix24: appBitrix24, nowSeconds: () => now },
  });
});

function openTab(userId: number, overrides: { placement?: string; options?: Record<string, unknown>; body?: Record<string, string | null> } = {}) {
  const call = emulator.placementCall(HANDLER, {
    placement: overrides.placement ?? 'CRM_DEAL_DETAIL_TAB',
    options: overrides.options ?? { ID: String(dealId) },
    userId,
  });
  const url = new URL(call.url);
  return {
    call,
    reply: app.inject({
      method: 'POST',
      url: `${url.pathname}${url.search}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: formEncode({ ...call.body, ...overrides.body }),
    }),
  };
}

async function pageToken(userId: number): Promise<string> {
  const response = await openTab(userId).reply;
  expect(response.statusCode).toBe(200);
  const token = /name="token" value="([^"]+)"/.exec(response.body)?.[1];
  expect(token).toBeDefined();
  return token!;
}

function act(action: 'retry' | 'terminate' | 'view', fields: Record<string, string>, encoding: 'form' | 'json' = 'form') {
  return app.inject({
    method: 'POST',
    url: `/bitrix24/placements/runs/${action}`,
    headers: { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded' },
    payload: encoding === 'json' ? JSON.stringify(fields) : formEncode(fields),
  });
}

describe('runs tab placement call: verified like every Bitrix24 call', () => {
  it.each([
    ['a wrong APPLICATION_TOKEN', { APPLICATION_TOKEN: 'not-the-portal-token' }],
    ['an unknown member_id', { member_id: 'someone-else' }],
    ['no APPLICATION_TOKEN', { APPLICATION_TOKEN: null }],
  ])('answers 401 to %s and never asks the portal who the user is', async (_name, body) => {
    const before = emulator.callsTo('user.current').length;
    const response = await openTab(USERS.responsible, { body }).reply;
    expect(response.statusCode).toBe(401);
    expect(response.body).not.toContain('Retry');
    expect(emulator.callsTo('user.current')).toHaveLength(before);
  });

  it('answers 401 when Bitrix24 does not accept the AUTH_ID', async () => {
    const response = await openTab(USERS.responsible, { body: { AUTH_ID: 'forged-session' } }).reply;
    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('Bitrix24 did not accept your session');
  });

  it('answers 400 for a placement it does not serve and for options without an item ID', async () => {
    expect((await openTab(USERS.responsible, { placement: 'CRM_LEAD_LIST_MENU' }).reply).statusCode).toBe(400);
    expect((await openTab(USERS.responsible, { options: { ENTITY: 'x' } }).reply).statusCode).toBe(400);
  });

  it('answers 403 when Bitrix24 refuses the user the item', async () => {
    emulator.injectFailure({ method: 'crm.item.get', times: 1, status: 400, error: 'ACCESS_DENIED', description: 'Access denied' });
    const response = await openTab(USERS.other).reply;
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('You do not have access to this item.');
  });
});

describe('runs tab page', () => {
  it('lists the item runs for any reader, escaped, with a CSP and without a Bitrix24 token', async () => {
    const { call, reply } = openTab(USERS.other);
    const response = await reply;
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`frame-ancestors 'self' ${emulator.url}`);
    expect(csp).not.toContain('script-src');
    expect(response.body).toContain(failedRunId);
    expect(response.body).toContain(runningRunId);
    expect(response.body).not.toContain('other-deal');
    expect(response.body).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(response.body).toContain('Pumps &#60;b&#62;for&#60;/b&#62; &#34;Acme&#34;');
    expect(response.body).not.toMatch(/<script/i);
    for (const secret of [call.body.AUTH_ID, call.body.REFRESH_ID, call.body.APPLICATION_TOKEN]) expect(response.body).not.toContain(secret);
    // A reader sees the runs but no buttons that act on them.
    expect(response.body).not.toContain('>Retry<');
    expect(response.body).not.toContain('>Terminate<');
  });

  it('shows Retry on the failed run to the responsible person and Terminate on the running one to an admin', async () => {
    const responsible = await openTab(USERS.responsible).reply;
    expect(responsible.body.match(/>Retry</g)).toHaveLength(1);
    expect(responsible.body).not.toContain('>Terminate<');
    const admin = await openTab(USERS.admin).reply;
    expect(admin.body).not.toContain('>Retry<');
    expect(admin.body.match(/>Terminate</g)).toHaveLength(1);
  });
});

describe('retry and terminate: checked on every request', () => {
  it('retries a failed run for the responsible person and re-renders the tab', async () => {
    const token = await pageToken(USERS.responsible);
    const runId = runs.runs[0]!.runId;
    const response = await act('retry', { token, workflowId: failedRunId, runId });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(`Retry started: ${failedRunId} runs again as ${runId}-again.`);
    expect(runs.retries).toEqual([{ run: expect.objectContaining({ workflowId: failedRunId, runId }), reason: expect.stringContaining('user 4') }]);
  });

  it('retries for the head of the responsible person department (JSON answer)', async () => {
    const token = await pageToken(USERS.head);
    const response = await act('retry', { token, workflowId: failedRunId }, 'json');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'retried', workflowId: failedRunId });
    expect(runs.retries).toHaveLength(1);
  });

  it.each([
    ['another manager', USERS.other],
    ['an admin who is neither responsible nor head', USERS.admin],
  ])('refuses a retry to %s with 403 and a clear message', async (_name, userId) => {
    const token = await pageToken(userId);
    const response = await act('retry', { token, workflowId: failedRunId });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain(REFUSALS.retry);
    expect(runs.retries).toHaveLength(0);
  });

  it('re-reads the responsible person on every request: a reassigned item takes the right away', async () => {
    const token = await pageToken(USERS.responsible);
    emulator.state.items.update(2, dealId, { assignedById: USERS.other });
    try {
      const response = await act('retry', { token, workflowId: failedRunId }, 'json');
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ error: 'FORBIDDEN', message: REFUSALS.retry });
    } finally {
      emulator.state.items.update(2, dealId, { assignedById: USERS.responsible });
    }
  });

  it('terminates a running run for an admin only', async () => {
    const refused = await act('terminate', { token: await pageToken(USERS.responsible), workflowId: runningRunId }, 'json');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ message: REFUSALS.terminate });
    expect(runs.terminations).toHaveLength(0);

    const done = await act('terminate', { token: await pageToken(USERS.admin), workflowId: runningRunId }, 'json');
    expect(done.statusCode).toBe(200);
    expect(runs.terminations).toEqual([{ run: expect.objectContaining({ workflowId: runningRunId }), reason: expect.stringContaining('user 1') }]);
  });

  it('asks Bitrix24 with the acting user\'s own token on every action: an admin whose rights were revoked after the page opened is refused', async () => {
    const admin = emulator.state.users.find((user) => user.ID === String(USERS.admin))!;
    const token = await pageToken(USERS.admin);
    const asked = emulator.callsTo('user.admin').length;
    admin.IS_ADMIN = false;
    try {
      const refused = await act('terminate', { token, workflowId: runningRunId }, 'json');
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ error: 'FORBIDDEN', message: REFUSALS.terminate });
      const reloaded = await act('view', { token });
      expect(reloaded.body).not.toContain('>Terminate<');
    } finally {
      admin.IS_ADMIN = true;
    }
    expect(runs.terminations).toHaveLength(0);
    // Asked as the user (their token), not as the app, once per request.
    const calls = emulator.callsTo('user.admin').slice(asked);
    expect(calls.map((call) => call.userId)).toEqual([USERS.admin, USERS.admin]);
    expect(calls.every((call) => call.auth === 'oauth')).toBe(true);

    const done = await act('terminate', { token, workflowId: runningRunId }, 'json');
    expect(done.statusCode).toBe(200);
    expect(runs.terminations).toHaveLength(1);
  });

  it('refuses an action with 401 once Bitrix24 no longer accepts the user\'s token', async () => {
    const token = await pageToken(USERS.admin);
    emulator.expireAccessTokens();
    const response = await act('terminate', { token, workflowId: runningRunId }, 'json');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: 'UNAUTHORIZED' });
    expect(runs.terminations).toHaveLength(0);
  });

  it('acts only on runs of the item named in the token, and only in the right state', async () => {
    const token = await pageToken(USERS.responsible);
    expect((await act('retry', { token, workflowId: 'robot/GET_1C_PRICE/m/other-deal' }, 'json')).statusCode).toBe(404);
    expect((await act('retry', { token, workflowId: 'no/such/workflow' }, 'json')).statusCode).toBe(404);
    expect((await act('retry', { token, workflowId: runningRunId }, 'json')).statusCode).toBe(409);
    expect((await act('retry', { token, workflowId: failedRunId, runId: 'an-older-run' }, 'json')).statusCode).toBe(409);
    expect(runs.retries).toHaveLength(0);
  });

  it('refuses a tampered token, a token sealed with another key, and an expired token', async () => {
    const token = await pageToken(USERS.other);
    const [version, iv, sealed] = token.split('.') as [string, string, string];
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    const tampered = await act('retry', { token: `${version}.${iv}.${bytes.toString('base64url')}`, workflowId: failedRunId }, 'json');
    expect(tampered.statusCode).toBe(401);

    const foreignKey = derivePageTokenKey(Buffer.alloc(32, 9).toString('base64'));
    const forged = issuePageToken(foreignKey, {
      memberId: emulator.memberId,
      userId: USERS.responsible,
      entityTypeId: 2,
      itemId: dealId,
      expiresAt: now + 60,
      userAuth: 'made-up',
    });
    expect((await act('retry', { token: forged, workflowId: failedRunId }, 'json')).statusCode).toBe(401);

    const fresh = await pageToken(USERS.responsible);
    now += PAGE_TOKEN_TTL_SECONDS + 1;
    const expired = await act('retry', { token: fresh, workflowId: failedRunId });
    expect(expired.statusCode).toBe(401);
    expect(expired.body).toContain('This page has expired. Reopen the tab.');
    expect(runs.retries).toHaveLength(0);
  });

  it('reloads the tab with the page token alone', async () => {
    const response = await act('view', { token: await pageToken(USERS.other) });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(failedRunId);
  });
});
