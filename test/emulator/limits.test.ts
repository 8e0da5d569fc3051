import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { callRest } from './helpers.js';

describe('Bitrix24 emulator: request and operating limits', () => {
  let emulator: Bitrix24Emulator;
  let webhook: string;
  beforeAll(async () => {
    emulator = await startBitrix24Emulator();
    webhook = emulator.webhookUrl();
  });
  beforeEach(() => emulator.reset());
  afterAll(async () => emulator.close());

  it('answers 503 QUERY_LIMIT_EXCEEDED once the burst is used up', async () => {
    // A drain rate this slow makes the count exact regardless of machine speed.
    emulator.setRateLimit({ perSecond: 0.001, burst: 5 });
    const statuses: number[] = [];
    for (let index = 0; index < 7; index += 1) statuses.push((await callRest(webhook, 'server.time', {})).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 503, 503]);
    const refused = await callRest(webhook, 'server.time', {});
    expect(refused.body).toEqual({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
  });

  it('drains the bucket over time', async () => {
    emulator.setRateLimit({ perSecond: 1, burst: 2 });
    await callRest(webhook, 'server.time', {});
    await callRest(webhook, 'server.time', {});
    expect((await callRest(webhook, 'server.time', {})).status).toBe(503);
    emulator.advanceClock(2);
    expect((await callRest(webhook, 'server.time', {})).status).toBe(200);
  });

  it('counts a batch of many commands as one request', async () => {
    emulator.setRateLimit({ perSecond: 0.001, burst: 2 });
    const cmd = Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`t${index}`, 'server.time']));
    const batch = await callRest(webhook, 'batch', { cmd });
    expect(batch.status).toBe(200);
    expect(Object.keys((batch.body.result as { result: object }).result)).toHaveLength(40);
    expect((await callRest(webhook, 'server.time', {})).status).toBe(200);
    expect((await callRest(webhook, 'server.time', {})).status).toBe(503);
  });

  it('blocks a method with 429 OPERATION_TIME_LIMIT after its operating budget, leaving other methods alone', async () => {
    emulator.setRateLimit(false);
    emulator.setOperatingLimit(480);
    emulator.setMethodDuration('user.get', 200);
    const first = await callRest(webhook, 'user.get', {});
    expect((first.body.time as { operating: number }).operating).toBe(200);
    expect((await callRest(webhook, 'user.get', {})).status).toBe(200);
    expect((await callRest(webhook, 'user.get', {})).status).toBe(200);
    const blocked = await callRest(webhook, 'user.get', {});
    expect(blocked).toMatchObject({ status: 429, body: { error: 'OPERATION_TIME_LIMIT' } });
    expect((await callRest(webhook, 'server.time', {})).status).toBe(200);

    const inBatch = await callRest(webhook, 'batch', { cmd: { users: 'user.get' } });
    expect((inBatch.body.result as { result_error: Record<string, { error: string }> }).result_error.users?.error).toBe('OPERATION_TIME_LIMIT');

    emulator.advanceClock(11 * 60);
    expect((await callRest(webhook, 'user.get', {})).status).toBe(200);
  });

  it('counts HTTP REST requests (a batch once) and 503 refusals on its control API', async () => {
    emulator.setRateLimit({ perSecond: 0.001, burst: 2 });
    const cmd = Object.fromEntries(Array.from({ length: 30 }, (_, index) => [`t${index}`, 'server.time']));
    await callRest(webhook, 'batch', { cmd });
    await callRest(webhook, 'server.time', {});
    await callRest(webhook, 'server.time', {});
    const counters = await fetch(`${emulator.url}/_emulator/counters`);
    expect(await counters.json()).toEqual({ restRequests: 3, queryLimitRejections: 1 });
    await fetch(`${emulator.url}/_emulator/counters/reset`, { method: 'POST' });
    expect(emulator.requestCounts()).toEqual({ restRequests: 0, queryLimitRejections: 0 });
  });
});
