import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/stack.js';
import { FORM_FRAGMENTS, JSON_BODIES, newSecret, SECRET_HEADERS } from '../support/secret-forms.js';
import { startService, waitForHttpOk, type ServiceProcess } from '../support/service-process.js';

describe('Bitrix24 emulator process with EMULATOR_LOG_REQUESTS=true', () => {
  let emulator: ServiceProcess;
  let url: string;
  const secrets: string[] = [];
  const secret = () => {
    const value = newSecret();
    secrets.push(value);
    return value;
  };

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    emulator = startService('emulator', 'emulators/bitrix24/main.ts', {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      EMULATOR_PORT: String(port),
      EMULATOR_LOG_REQUESTS: 'true',
      LOG_LEVEL: 'trace',
    });
    await waitForHttpOk(`${url}/_emulator/state`, 60_000, emulator);
  }, 90_000);
  afterAll(async () => emulator?.stop());

  it('logs every request without a token, secret, refresh token or webhook code in any form', async () => {
    const send = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, init).then((response) => response.text());
    for (const fragment of Object.values(FORM_FRAGMENTS)) {
      await send(`/rest/app.info?${fragment(secret())}`);
      await send('/rest/app.info', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fragment(secret()) });
      // Not JSON: a parser error that might quote the body.
      await send('/rest/app.info', { method: 'POST', headers: { 'content-type': 'application/json' }, body: fragment(secret()) });
      await send(`/oauth-server/oauth/token/?grant_type=refresh_token&client_id=x&${fragment(secret())}`);
    }
    for (const body of Object.values(JSON_BODIES)) {
      await send('/rest/app.info', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(secret())) });
    }
    for (const header of Object.values(SECRET_HEADERS)) await send('/rest/app.info', { headers: header(secret()) });
    await send(`/rest/1/${secret()}/user.current`);
    await send(`/oauth-server/oauth/token/?grant_type=refresh_token&client_id=x&client_secret=${secret()}&refresh_token=${secret()}`);
    await emulator.stop();

    const requestLines = emulator.lines.filter((line) => line.includes('"reqId"'));
    expect(requestLines.length).toBeGreaterThan(40);
    const all = emulator.lines.join('\n');
    expect(secrets.filter((value) => all.includes(value))).toEqual([]);
  });
});
