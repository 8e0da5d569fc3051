import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { callRest, installForTokens } from './helpers.js';

describe('Bitrix24 emulator: REST calls, auth and OAuth', () => {
  let emulator: Bitrix24Emulator;
  beforeAll(async () => {
    emulator = await startBitrix24Emulator({ rateLimit: false });
  });
  afterAll(async () => emulator.close());

  it('answers an OAuth call with result and the full time block', async () => {
    const { accessToken } = await installForTokens(emulator);
    const answer = await callRest(emulator.clientEndpoint, 'user.current', { auth: accessToken });
    expect(answer.status).toBe(200);
    expect(answer.body.result).toMatchObject({ ID: '1', NAME: 'Admin', UF_DEPARTMENT: [1] });
    expect(Object.keys(answer.body.time as object)).toEqual(
      expect.arrayContaining(['start', 'finish', 'duration', 'processing', 'date_start', 'date_finish', 'operating_reset_at', 'operating']),
    );
    const recorded = emulator.callsTo('user.current').at(-1);
    expect(recorded).toMatchObject({ auth: 'oauth', status: 200 });
    expect(JSON.stringify(recorded)).not.toContain(accessToken);
  });

  it('accepts form bodies, query-string params and the .json suffix', async () => {
    const { accessToken } = await installForTokens(emulator);
    const response = await fetch(`${emulator.clientEndpoint}user.get.json?auth=${accessToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'FILTER%5BUF_DEPARTMENT%5D=2',
    });
    const body = (await response.json()) as { result: { ID: string }[]; total: number };
    expect(response.status).toBe(200);
    expect(body.result.map((user) => user.ID)).toEqual(['2']);
    expect(body.total).toBe(1);
  });

  it('refuses a missing or unknown token with 401 NO_AUTH_FOUND and an unknown method with 404', async () => {
    expect(await callRest(emulator.clientEndpoint, 'user.current', {})).toMatchObject({ status: 401, body: { error: 'NO_AUTH_FOUND' } });
    expect(await callRest(emulator.clientEndpoint, 'user.current', { auth: 'nope' })).toMatchObject({ status: 401, body: { error: 'NO_AUTH_FOUND' } });
    const { accessToken } = await installForTokens(emulator);
    expect(await callRest(emulator.clientEndpoint, 'no.such.method', { auth: accessToken })).toMatchObject({
      status: 404,
      body: { error: 'ERROR_METHOD_NOT_FOUND' },
    });
  });

  it('answers 401 expired_token once access tokens expire', async () => {
    const { accessToken } = await installForTokens(emulator);
    emulator.expireAccessTokens();
    const answer = await callRest(emulator.clientEndpoint, 'server.time', { auth: accessToken });
    expect(answer).toEqual({ status: 401, body: { error: 'expired_token', error_description: 'The access token provided has expired' } });
  });

  it('rotates refresh tokens: the new pair works, the used refresh token is refused with invalid_grant', async () => {
    const { refreshToken } = await installForTokens(emulator);
    const before = emulator.refreshCount();
    const query = (token: string, secret = 'emulator-secret') =>
      new URLSearchParams({ grant_type: 'refresh_token', client_id: 'local.emulator.app', client_secret: secret, refresh_token: token });

    const first = await fetch(`${emulator.tokenEndpoint}?${query(refreshToken).toString()}`);
    const pair = (await first.json()) as Record<string, unknown>;
    expect(first.status).toBe(200);
    expect(Object.keys(pair).sort()).toEqual(
      ['access_token', 'client_endpoint', 'domain', 'expires', 'expires_in', 'member_id', 'refresh_token', 'scope', 'server_endpoint', 'status', 'user_id'].sort(),
    );
    expect(pair).toMatchObject({ client_endpoint: emulator.clientEndpoint, member_id: emulator.memberId, expires_in: 3600 });
    expect(pair.refresh_token).not.toBe(refreshToken);
    expect(await callRest(emulator.clientEndpoint, 'server.time', { auth: pair.access_token })).toMatchObject({ status: 200 });

    const reused = await fetch(emulator.tokenEndpoint, { method: 'POST', body: query(refreshToken) });
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });

    const wrongClient = await fetch(`${emulator.tokenEndpoint}?${query(String(pair.refresh_token), 'wrong').toString()}`);
    expect(wrongClient.status).toBe(401);
    expect(await wrongClient.json()).toMatchObject({ error: 'invalid_client' });
    expect(emulator.refreshCount()).toBe(before + 1);
  });

  it('authenticates inbound-webhook calls and refuses app-only methods to them', async () => {
    const webhook = emulator.webhookUrl(2);
    expect(webhook).toMatch(new RegExp(`^${emulator.url}/rest/2/[a-f0-9]+/$`));
    const answer = await callRest(webhook, 'user.current.json', {});
    expect(answer).toMatchObject({ status: 200, body: { result: { ID: '2' } } });
    expect(emulator.callsTo('user.current').at(-1)).toMatchObject({ auth: 'webhook', userId: 2 });

    const forged = webhook.replace(/\/[a-f0-9]+\/$/, '/0000000000000000/');
    expect(await callRest(forged, 'user.current', {})).toMatchObject({ status: 401, body: { error: 'NO_AUTH_FOUND' } });
    // bizproc-robot-list.md answers ACCESS_DENIED with HTTP 400; event.* refuse with 403.
    expect(await callRest(webhook, 'bizproc.robot.list', {})).toMatchObject({
      status: 400,
      body: { error: 'ACCESS_DENIED', error_description: 'Application context required' },
    });
    expect(await callRest(webhook, 'event.get', {})).toMatchObject({
      status: 403,
      body: { error: 'ACCESS_DENIED', error_description: 'Application context required' },
    });
  });

  it('fails the scripted number of calls with the injected error, then recovers', async () => {
    const webhook = emulator.webhookUrl();
    emulator.injectFailure({ method: 'server.time', times: 2, status: 500, error: 'INTERNAL_SERVER_ERROR' });
    expect((await callRest(webhook, 'server.time', {})).status).toBe(500);
    expect((await callRest(webhook, 'server.time', {})).status).toBe(500);
    expect((await callRest(webhook, 'server.time', {})).status).toBe(200);
  });
});
