import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATOR_DEFAULTS, startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { readStateFile, StateFileError } from '../../emulators/bitrix24/state-file.js';
import { callRest, installForTokens, startCaptureServer } from './helpers.js';

const dirs: string[] = [];
const open: Bitrix24Emulator[] = [];

function stateFileIn(): string {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-state-'));
  dirs.push(dir);
  return join(dir, 'emulator.json');
}

async function start(stateFile: string): Promise<Bitrix24Emulator> {
  const emulator = await startBitrix24Emulator({ rateLimit: false, stateFile });
  open.push(emulator);
  return emulator;
}

afterEach(async () => {
  for (const emulator of open.splice(0)) await emulator.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface ItemAnswer {
  result: { item: { id: number; title: string } };
}

describe('Bitrix24 emulator state file', () => {
  it('an emulator restarted on the same file continues its id sequences, data, registrations, tokens and waiting robots', async () => {
    const file = stateFileIn();
    const capture = await startCaptureServer();
    try {
      const first = await start(file);
      expect(first.restoredFromStateFile).toBe(false);
      const { accessToken, refreshToken } = await installForTokens(first);
      const rest = (emulator: Bitrix24Emulator, method: string, params: Record<string, unknown>) =>
        callRest(emulator.clientEndpoint, method, { ...params, auth: accessToken });

      const type = await rest(first, 'crm.type.add', { fields: { title: 'Claim', entityTypeId: 1030 } });
      expect(type.status).toBe(200);
      const firstClaim = (await rest(first, 'crm.item.add', { entityTypeId: 1030, fields: { title: 'Claim one' } })).body as unknown as ItemAnswer;
      await rest(first, 'crm.item.add', { entityTypeId: 2, fields: { title: 'Deal one' } });
      await rest(first, 'bizproc.robot.add', {
        CODE: 'erp_create_order',
        HANDLER: capture.url,
        NAME: 'ERP order',
        USE_SUBSCRIPTION: 'Y',
        RETURN_PROPERTIES: { erp_order_id: { Name: 'Order', Type: 'string' } },
      });
      await rest(first, 'event.bind', { event: 'ONCRMDYNAMICITEMADD', handler: capture.url });
      const { eventToken } = await first.fireRobot(capture.url, { code: 'erp_create_order' });
      const applicationToken = first.applicationToken;
      await first.close();
      open.splice(open.indexOf(first), 1);

      const second = await start(file);
      expect(second.restoredFromStateFile).toBe(true);
      expect(second.applicationToken).toBe(applicationToken);
      // The token pair issued before the restart still works: the app's stored credentials stay valid.
      const secondClaim = (await rest(second, 'crm.item.add', { entityTypeId: 1030, fields: { title: 'Claim two' } })).body as unknown as ItemAnswer;
      expect(secondClaim.result.item.id).toBe(firstClaim.result.item.id + 1);
      expect(((await rest(second, 'crm.item.get', { entityTypeId: 1030, id: firstClaim.result.item.id })).body as unknown as ItemAnswer).result.item.title).toBe(
        'Claim one',
      );
      expect((await rest(second, 'crm.item.add', { entityTypeId: 2, fields: { title: 'Deal two' } })).body).toMatchObject({ result: { item: { id: 2 } } });
      expect((await rest(second, 'bizproc.robot.list', {})).body).toMatchObject({ result: ['erp_create_order'] });
      expect((await rest(second, 'event.get', {})).body).toMatchObject({ result: [{ event: 'ONCRMDYNAMICITEMADD', handler: capture.url }] });
      // The robot still waits, and its event token (signed before the restart) is accepted.
      expect(second.robotResult(eventToken)?.status).toBe('waiting');
      expect((await rest(second, 'bizproc.event.send', { EVENT_TOKEN: eventToken, RETURN_VALUES: { erp_order_id: 'A-1' } })).status).toBe(200);
      expect(second.robotResult(eventToken)).toMatchObject({ status: 'completed', returnValues: { erp_order_id: 'A-1' } });
      // Refresh tokens rotate across restarts too.
      const grant = { grant_type: 'refresh_token', client_id: EMULATOR_DEFAULTS.clientId, client_secret: EMULATOR_DEFAULTS.clientSecret, refresh_token: refreshToken };
      const refreshed = await fetch(`${second.tokenEndpoint}?${new URLSearchParams(grant)}`);
      expect(refreshed.status).toBe(200);
    } finally {
      await capture.close();
    }
  });

  it('writes changes on its own, shortly after they happen, through a temporary file', async () => {
    const file = stateFileIn();
    const emulator = await start(file);
    emulator.userAddsItem(2, { title: 'Written without a request' });
    for (let attempt = 0; attempt < 40 && !existsSync(file); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    await emulator.saveState();
    const saved = readStateFile(file);
    expect(saved.memberId).toBe(emulator.memberId);
    expect(JSON.stringify([...((saved.parts.state as { items: { byType: Map<number, Map<number, unknown>> } }).items.byType.get(2)?.values() ?? [])])).toContain(
      'Written without a request',
    );
    expect(readdirSync(join(file, '..')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a file it cannot read, naming it, instead of starting an empty portal over it', async () => {
    const file = stateFileIn();
    writeFileSync(file, '{"version": 1, "memberId": "emulated-member-0001", "parts": ');
    await expect(startBitrix24Emulator({ rateLimit: false, stateFile: file })).rejects.toThrow(StateFileError);
    await expect(startBitrix24Emulator({ rateLimit: false, stateFile: file })).rejects.toThrow(file);
  });
});
