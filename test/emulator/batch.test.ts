import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { callRest } from './helpers.js';

interface BatchResult {
  result: unknown;
  result_error: unknown;
  result_total: unknown;
  result_next: unknown;
  result_time: unknown;
}

describe('Bitrix24 emulator: batch', () => {
  let emulator: Bitrix24Emulator;
  let webhook: string;
  beforeAll(async () => {
    emulator = await startBitrix24Emulator({ rateLimit: false });
    webhook = emulator.webhookUrl();
  });
  afterAll(async () => emulator.close());

  const batch = async (params: Record<string, unknown>) => {
    const answer = await callRest(webhook, 'batch', params);
    expect(answer.status).toBe(200);
    return answer.body.result as BatchResult;
  };

  it('maps results, errors, totals and times back to command keys and resolves $result references', async () => {
    const result = await batch({
      cmd: {
        me: 'user.current',
        dept: 'department.get?ID=$result[me][UF_DEPARTMENT][0]',
        users: 'user.get?FILTER[UF_DEPARTMENT]=2',
        broken: 'no.such.method?x=1',
      },
    });
    expect(result.result).toMatchObject({ me: { ID: '1' }, dept: [{ ID: '1' }], users: [{ ID: '2' }] });
    expect(result.result_error).toEqual({ broken: { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' } });
    expect(result.result_total).toEqual({ dept: 1, users: 1 });
    expect(result.result_next).toEqual([]);
    expect(Object.keys(result.result_time as object)).toEqual(['me', 'dept', 'users', 'broken']);
    expect(emulator.callsTo('user.get').at(-1)).toMatchObject({ inBatch: true, params: { FILTER: { UF_DEPARTMENT: '2' } } });
  });

  it('returns lists for an array cmd and stops at the first error with halt', async () => {
    const all = await batch({ cmd: ['server.time', 'user.current'] });
    expect(Array.isArray(all.result)).toBe(true);
    expect(all.result_error).toEqual([]);

    const halted = await batch({ cmd: { a: 'server.time', b: 'nope.nope', c: 'user.current' }, halt: 1 });
    expect(Object.keys(halted.result as object)).toEqual(['a']);
    expect(Object.keys(halted.result_error as object)).toEqual(['b']);

    const continued = await batch({ cmd: { a: 'server.time', b: 'nope.nope', c: 'user.current' }, halt: 0 });
    expect(Object.keys(continued.result as object)).toEqual(['a', 'c']);
  });

  it('refuses nested batch and commands beyond 50', async () => {
    const nested = await batch({ cmd: { inner: 'batch?cmd[x]=server.time' } });
    expect(nested.result_error).toMatchObject({ inner: { error: 'ERROR_BATCH_METHOD_NOT_ALLOWED' } });

    const cmd = Object.fromEntries(Array.from({ length: 52 }, (_, index) => [`c${index}`, 'server.time']));
    const long = await batch({ cmd });
    expect(Object.keys(long.result as object)).toHaveLength(50);
    expect(long.result_error).toMatchObject({ c50: { error: 'ERROR_BATCH_LENGTH_EXCEEDED' }, c51: { error: 'ERROR_BATCH_LENGTH_EXCEEDED' } });
  });

  it('accepts a form-encoded batch with PHP brackets', async () => {
    const response = await fetch(`${webhook}batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `halt=0&cmd%5Bme%5D=${encodeURIComponent('user.current')}&cmd%5Bdept%5D=${encodeURIComponent('department.get?ID=2')}`,
    });
    const body = (await response.json()) as { result: BatchResult };
    expect(body.result.result).toMatchObject({ me: { ID: '1' }, dept: [{ ID: '2', NAME: 'Quality department' }] });
  });
});
