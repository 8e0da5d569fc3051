import { MockActivityEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withApplicationFailures } from '../../../integrations/bitrix24/caller.js';
import { createBitrix24Client, type Bitrix24Client } from '../../../integrations/bitrix24/client.js';
import { createTimelineActivities, logEntriesOf } from '../../../activities/robot/timeline.js';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../../emulators/bitrix24/index.js';
import { InMemoryPortals } from './fakes.js';

let emulator: Bitrix24Emulator;
let client: Bitrix24Client;

beforeAll(async () => {
  emulator = await startBitrix24Emulator({ rateLimit: false });
  client = createBitrix24Client({ store: new InMemoryPortals([]), webhookUrl: emulator.webhookUrl(1), logger: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

describe('writeTimelineLine (against the emulator)', () => {
  it('writes one line per run even when the attempt is repeated, among more than a page of other lines', async () => {
    const deal = emulator.state.addItem(2, { title: 'Timeline deal' });
    const { writeTimelineLine } = createTimelineActivities({ bitrix24: withApplicationFailures(client) });
    const line = (runId: string) => ({
      memberId: emulator.memberId,
      entityTypeId: 2,
      entityId: deal.id,
      title: 'GET_1C_PRICE: Completed',
      text: `1C: SKU-001 costs 1250.5 RUB\nhttp://127.0.0.1:8233/namespaces/default/workflows/w/${runId}`,
      marker: runId,
    });
    const firstAttempt = new MockActivityEnvironment({ attempt: 1 });
    // A retried attempt (its predecessor's answer was lost) searches for the line before adding it.
    const retry = new MockActivityEnvironment({ attempt: 2 });
    expect(await firstAttempt.run(writeTimelineLine, line('run-a'))).toEqual({ written: true });
    for (let index = 0; index < 12; index += 1) await firstAttempt.run(writeTimelineLine, line(`other-${index}`));
    const searchesBefore = emulator.callsTo('crm.timeline.logmessage.list').length;
    expect(await retry.run(writeTimelineLine, line('other-11'))).toEqual({ written: false });
    // run-a is now the 13th newest entry: found on the second page of crm.timeline.logmessage.list.
    expect(await retry.run(writeTimelineLine, line('run-a'))).toEqual({ written: false });
    // First attempts never search: nothing can be there yet.
    expect(searchesBefore).toBe(0);
    const lines = emulator.state.timelineMessages.filter((entry) => entry.entityId === deal.id);
    expect(lines).toHaveLength(13);
    expect(lines.filter((entry) => String(entry.text).includes('run-a'))).toHaveLength(1);
    expect(lines[0]).toMatchObject({ entityTypeId: 2, title: 'GET_1C_PRICE: Completed' });
  });
});

describe('crm.timeline.logmessage.list answers', () => {
  it('are read with `result` as the list (the documented shape) or wrapped in logMessages', () => {
    const entries = [{ id: 2, text: 'second' }, { id: 1, text: 'first' }];
    expect(logEntriesOf(entries)).toEqual(entries);
    expect(logEntriesOf({ logMessages: entries })).toEqual(entries);
    expect(logEntriesOf({})).toEqual([]);
    expect(logEntriesOf(null)).toEqual([]);
  });
});
