import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../../emulators/bitrix24/index.js';
import { batch } from '../../../integrations/bitrix24/batch.js';
import { batchCommandProblem, buildBatchCommand } from '../../../integrations/bitrix24/batch-command.js';
import { createBitrix24Client, type Bitrix24Client } from '../../../integrations/bitrix24/client.js';
import { Bitrix24Error } from '../../../integrations/bitrix24/errors.js';
import { installedPortalStore } from '../../support/emulator-credentials.js';
import type { MemoryPortalStore } from '../../support/memory-portal-store.js';

const DEAL = 2;

let emulator: Bitrix24Emulator;
let store: MemoryPortalStore;
let client: Bitrix24Client;

beforeAll(async () => {
  emulator = await startBitrix24Emulator({ rateLimit: false });
  store = await installedPortalStore(emulator);
  client = createBitrix24Client({ store, batching: true, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});
beforeEach(() => {
  emulator.resetRequestCounts();
  emulator.calls.length = 0;
});

describe('batch command encoding', () => {
  it('writes PHP bracket queries, booleans as 1/0 the way PHP http_build_query does', () => {
    expect(buildBatchCommand({ method: 'bizproc.event.send', params: { EVENT_TOKEN: 't', RETURN_VALUES: { available: true, late: false } } })).toBe(
      'bizproc.event.send?EVENT_TOKEN=t&RETURN_VALUES%5Bavailable%5D=1&RETURN_VALUES%5Blate%5D=0',
    );
  });

  it('names what cannot travel as a batch command without changing what Bitrix24 receives', () => {
    expect(batchCommandProblem('crm.item.get', { entityTypeId: 2, id: 7, select: ['id', 'title'] })).toBeUndefined();
    expect(batchCommandProblem('batch', { cmd: { a: 'user.current' } })).toMatch(/not allowed inside batch/);
    expect(batchCommandProblem('crm.item.update', { id: 1, fields: { ufCrmNote: null } })).toMatch(/is null/);
    expect(batchCommandProblem('crm.item.update', { id: 1, fields: { ufCrmTags: [] } })).toMatch(/is empty/);
    expect(batchCommandProblem('bizproc.event.send', { LOG_MESSAGE: 'costs $result[price]' })).toMatch(/batch reference/);
    expect(batchCommandProblem('crm.item.list', { 'filter.x': 1 })).toMatch(/query name/);
    expect(batchCommandProblem('lists.element.add', { FIELDS: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`P${i}`, i])) })).toMatch(/1000 fields/);
  });
});

describe('Bitrix24 client with batching, against the emulator', () => {
  it('coalesces concurrent calls into batch requests and hands each caller its own result', async () => {
    const ids = Array.from({ length: 30 }, (_, index) => emulator.state.addItem(DEAL, { title: `Deal ${index}` }).id);
    const answers = await Promise.all(ids.map((id) => client.call<{ item: { id: number; title: string } }>(emulator.memberId, 'crm.item.get', { entityTypeId: DEAL, id })));
    expect(answers.map((answer) => answer.item.title)).toEqual(ids.map((_, index) => `Deal ${index}`));
    // One lone call went first; everything that queued behind it shared batch requests.
    expect(emulator.requestCounts().restRequests).toBeLessThanOrEqual(3);
    expect(emulator.calls.filter((call) => call.method === 'crm.item.get' && call.inBatch === true).length).toBeGreaterThanOrEqual(28);
  });

  it('fails only the call whose command the portal refused, classified like the same call alone', async () => {
    const existing = emulator.state.addItem(DEAL, { title: 'Here' }).id;
    const outcomes = await Promise.allSettled([
      client.call(emulator.memberId, 'crm.item.get', { entityTypeId: DEAL, id: existing }),
      client.call(emulator.memberId, 'crm.item.get', { entityTypeId: DEAL, id: 999_999 }),
      client.call(emulator.memberId, 'crm.item.get', { entityTypeId: DEAL, id: existing }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const failure = (outcomes[1] as PromiseRejectedResult).reason as Bitrix24Error;
    expect(failure).toBeInstanceOf(Bitrix24Error);
    expect(failure).toMatchObject({ type: 'Bitrix24.NOT_FOUND', retryable: false, method: 'crm.item.get' });
  });

  it('sends a call whose parameters a command string cannot carry alone, as JSON', async () => {
    const id = emulator.state.addItem(DEAL, { title: 'Keep', comments: 'old' }).id;
    await Promise.all([
      client.call(emulator.memberId, 'crm.item.update', { entityTypeId: DEAL, id, fields: { comments: null } }),
      client.call(emulator.memberId, 'crm.item.get', { entityTypeId: DEAL, id }),
      client.call(emulator.memberId, 'crm.item.get', { entityTypeId: DEAL, id }),
    ]);
    const update = emulator.calls.find((call) => call.method === 'crm.item.update');
    expect(update?.inBatch).toBeUndefined();
    expect((update?.params.fields as Record<string, unknown>).comments).toBeNull();
  });

  it('runs the batch helper through the same queue: errors per key, results per key', async () => {
    const id = emulator.state.addItem(DEAL, { title: 'Batched' }).id;
    const outcome = await batch(client, emulator.memberId, {
      found: { method: 'crm.item.get', params: { entityTypeId: DEAL, id } },
      missing: { method: 'crm.item.get', params: { entityTypeId: DEAL, id: 888_888 } },
    });
    expect((outcome.results.found as { item: { title: string } }).item.title).toBe('Batched');
    expect(outcome.errors.missing).toMatchObject({ error: 'NOT_FOUND' });
    expect(emulator.requestCounts().restRequests).toBe(1);
  });
});
