import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { callRest, installForTokens, startCaptureServer, type RestAnswer } from './helpers.js';

const CONNECTOR = 'b24-temporal';
const DEAL = 2;

interface OfflineRow {
  ID: number;
  EVENT_NAME: string;
  EVENT_DATA: { FIELDS: { ID: number } };
  MESSAGE_ID: string;
}

function batchOf(answer: RestAnswer): { process_id: string | null; events: OfflineRow[] } {
  return answer.body.result as { process_id: string | null; events: OfflineRow[] };
}

describe('Bitrix24 emulator: the offline event queue', () => {
  let emulator: Bitrix24Emulator;
  let notices: Awaited<ReturnType<typeof startCaptureServer>>;
  let token: string;
  const call = (method: string, params: Record<string, unknown> = {}, auth = token) =>
    callRest(emulator.clientEndpoint, method, { ...params, auth });
  const get = (params: Record<string, unknown> = {}) => call('event.offline.get', { auth_connector: CONNECTOR, ...params });
  const dealIds = (answer: RestAnswer) => batchOf(answer).events.map((row) => row.EVENT_DATA.FIELDS.ID);

  beforeAll(async () => {
    emulator = await startBitrix24Emulator({ rateLimit: false });
    notices = await startCaptureServer();
  });
  beforeEach(async () => {
    emulator.reset();
    notices.requests.length = 0;
    token = (await installForTokens(emulator)).accessToken;
    expect((await call('event.bind', { event: 'ONCRMDEALUPDATE', event_type: 'offline', auth_connector: CONNECTOR })).status).toBe(200);
  });
  afterAll(async () => {
    await emulator.close();
    await notices.close();
  });

  const seedDeals = (count: number) => Array.from({ length: count }, () => emulator.state.addItem(DEAL, { title: 'Deal' }).id);

  it('without process_id reserves new rows under a fresh id; with one, answers only what that process holds', async () => {
    const [first, second, third] = seedDeals(3);
    for (const id of [first, second, third]) emulator.userUpdatesItem(DEAL, Number(id), { title: 'edited' });

    const reserved = await get({ clear: 0, limit: 2 });
    const processId = batchOf(reserved).process_id;
    expect(processId).toMatch(/^[0-9a-z]{32}$/);
    expect(dealIds(reserved)).toEqual([first, second]);

    // An id the app makes up holds nothing, ever (core eventOfflineGet filters by PROCESS_ID).
    expect(batchOf(await get({ clear: 0, process_id: 'f'.repeat(32) }))).toEqual({ process_id: 'f'.repeat(32), events: [] });
    // The reserving process re-reads its own rows, and only those.
    const reread = await get({ clear: 0, process_id: processId });
    expect(dealIds(reread)).toEqual([first, second]);
    // A parallel reader gets the rest.
    const other = await get({ clear: 0 });
    expect(batchOf(other).process_id).not.toBe(processId);
    expect(dealIds(other)).toEqual([third]);

    // A change while reserved queues a new free row with the same MESSAGE_ID; clearing the process by message id spares it.
    emulator.userUpdatesItem(DEAL, Number(first), { title: 'edited during the reservation' });
    const firstRow = batchOf(reserved).events[0];
    expect((await call('event.offline.clear', { process_id: processId, message_id: batchOf(reserved).events.map((row) => row.MESSAGE_ID), auth_connector: CONNECTOR })).body.result).toBe(true);
    const remaining = emulator.state.offlineEvents.map((row) => [row.EVENT_DATA.FIELDS, row.processId === undefined ? 'free' : 'reserved']);
    expect(remaining).toEqual([
      [{ ID: third }, 'reserved'],
      [{ ID: first }, 'free'],
    ]);
    expect(emulator.state.offlineEvents[1]?.MESSAGE_ID).toBe(firstRow?.MESSAGE_ID);
  });

  it('clear=1 (the default) returns and deletes, with process_id null', async () => {
    const [id] = seedDeals(1);
    emulator.userUpdatesItem(DEAL, Number(id), { title: 'edited' });
    const taken = await get();
    expect(batchOf(taken)).toMatchObject({ process_id: null, events: [{ EVENT_NAME: 'ONCRMDEALUPDATE' }] });
    expect(emulator.state.offlineEvents).toEqual([]);
  });

  it('keeps rows per auth_connector: each call sees only the rows of the connector it passes', async () => {
    expect((await call('event.bind', { event: 'ONCRMDEALUPDATE', event_type: 'offline' })).status).toBe(200);
    const [id] = seedDeals(1);
    emulator.userUpdatesItem(DEAL, Number(id), { title: 'edited by a user' });
    expect(emulator.state.offlineEvents.map((row) => row.connectorId).sort()).toEqual(['', CONNECTOR]);

    expect(dealIds(await call('event.offline.get', { clear: 0 }))).toEqual([id]);
    expect(dealIds(await get({ clear: 0 }))).toEqual([id]);
    expect(dealIds(await get({ clear: 0 }))).toEqual([]);
    const bindings = (await call('event.get')).body.result as Record<string, unknown>[];
    expect(bindings.filter((row) => row.offline === 1)).toEqual([
      { event: 'ONCRMDEALUPDATE', connector_id: CONNECTOR, offline: 1 },
      { event: 'ONCRMDEALUPDATE', connector_id: '', offline: 1 },
    ]);
  });

  it('does not queue a change the app made with the binding connector; a user change or another connector is queued', async () => {
    const [id] = seedDeals(1);
    await call('crm.item.update', { entityTypeId: DEAL, id, fields: { title: 'our own write' }, auth_connector: CONNECTOR });
    expect(emulator.state.offlineEvents).toEqual([]);
    await call('crm.deal.update', { id, fields: { TITLE: 'another integration' }, auth_connector: 'other' });
    expect(emulator.state.offlineEvents).toHaveLength(1);
    emulator.userUpdatesItem(DEAL, Number(id), { title: 'a user' });
    expect(emulator.state.offlineEvents).toHaveLength(1);
  });

  it('event.offline.error marks the row (error=1 reads it), ends its reservation and drops other copies of the message', async () => {
    const [id] = seedDeals(1);
    emulator.userUpdatesItem(DEAL, Number(id), { title: 'edited' });
    const reserved = batchOf(await get({ clear: 0 }));
    emulator.userUpdatesItem(DEAL, Number(id), { title: 'edited again' });
    expect(emulator.state.offlineEvents).toHaveLength(2);

    const messageId = reserved.events[0]?.MESSAGE_ID;
    expect((await call('event.offline.error', { process_id: reserved.process_id, message_id: [messageId], auth_connector: CONNECTOR })).status).toBe(200);
    expect(emulator.state.offlineEvents).toMatchObject([{ MESSAGE_ID: messageId, error: true }]);
    expect(emulator.state.offlineEvents[0]?.processId).toBeUndefined();
    expect(dealIds(await get({ clear: 0 }))).toEqual([]);
    expect(dealIds(await get({ clear: 0, error: 1 }))).toEqual([id]);
  });

  it('answers only an administrator with application authorization', async () => {
    const manager = emulator.placementCall('http://127.0.0.1:9/widget', { placement: 'CRM_DEAL_DETAIL_TAB', userId: 3 }).body.AUTH_ID;
    for (const method of ['event.offline.get', 'event.offline.clear', 'event.offline.error']) {
      expect(await call(method, { process_id: 'x', message_id: [] }, manager)).toEqual({ status: 403, body: { error: 'ACCESS_DENIED', error_description: 'Access denied!' } });
    }
    const webhook = emulator.webhookUrl(1);
    expect(await callRest(webhook, 'event.offline.get', {})).toMatchObject({ status: 403, body: { error: 'WRONG_AUTH_TYPE' } });
    expect((await call('event.bind', { event: 'ONCRMDEALADD', event_type: 'offline' }, manager)).body).toMatchObject({ error: 'ACCESS_DENIED' });
  });

  it('without rest_offline_extended refuses clear=0 with a licence error; clear=1 and feature.get keep working', async () => {
    expect((await call('feature.get', { CODE: 'rest_offline_extended' })).body.result).toEqual({ value: 'Y' });
    const switched = await fetch(`${emulator.url}/_emulator/features`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rest_offline_extended: false }),
    });
    expect(await switched.json()).toEqual({ features: { rest_offline_extended: false, rest_auth_connector: true } });
    expect((await call('feature.get', { CODE: 'rest_offline_extended' })).body.result).toEqual({ value: 'N' });
    expect(await call('feature.get', {})).toMatchObject({ status: 400, body: { error: 'CODE_EMPTY' } });

    const [id] = seedDeals(1);
    emulator.userUpdatesItem(DEAL, Number(id), { title: 'edited' });
    expect(await get({ clear: 0 })).toEqual({
      status: 403,
      body: { error: 'WRONG_LICENSE', error_description: 'This feature is not enabled for the current license: extended offline events handling' },
    });
    expect(dealIds(await get())).toEqual([id]);
  });

  it('without rest_auth_connector refuses any call that carries auth_connector', async () => {
    emulator.setFeature('rest_auth_connector', false);
    expect(await get()).toMatchObject({ status: 403, body: { error: 'WRONG_LICENSE' } });
    expect((await call('event.offline.get')).status).toBe(200);
  });

  it('sends ONOFFLINEEVENT to its bound handler when rows appear, as documented, at most once per minTimeout', async () => {
    const [id] = seedDeals(1);
    emulator.userUpdatesItem(DEAL, Number(id), { title: 'nobody is bound yet' });
    await emulator.settleDeliveries();
    expect(notices.requests).toEqual([]);

    expect((await call('event.bind', { event: 'ONOFFLINEEVENT', event_type: 'offline' })).body).toMatchObject({ error: 'ERROR_ARGUMENT' });
    expect((await call('event.bind', { event: 'ONOFFLINEEVENT', handler: notices.url, options: { minTimeout: 30 } })).status).toBe(200);
    emulator.userUpdatesItem(DEAL, Number(id), { title: 'first' });
    emulator.userUpdatesItem(DEAL, Number(id), { title: 'second, within minTimeout' });
    await emulator.settleDeliveries();
    expect(notices.requests).toHaveLength(1);
    const form = notices.requests[0]?.form ?? {};
    expect(Object.keys(form)).toEqual(['event', 'ts', 'auth']);
    expect(form.event).toBe('ONOFFLINEEVENT');
    expect(form.auth).toMatchObject({ member_id: emulator.memberId, application_token: emulator.applicationToken });
    expect((form.auth as Record<string, string>).refresh_token).toMatch(/.+/);

    emulator.advanceClock(31);
    emulator.userUpdatesItem(DEAL, Number(id), { title: 'after minTimeout' });
    await emulator.settleDeliveries();
    expect(notices.requests).toHaveLength(2);
  });

  it('a simulated delivery outage (control API) loses the online delivery and the notice; the queue keeps the change', async () => {
    expect((await call('event.bind', { event: 'ONOFFLINEEVENT', handler: notices.url })).status).toBe(200);
    expect((await call('event.bind', { event: 'ONCRMDEALUPDATE', handler: notices.url })).status).toBe(200);
    const [id] = seedDeals(1);
    const outage = (on: boolean) =>
      fetch(`${emulator.url}/_emulator/deliveries/outage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ on }) });
    expect((await outage(true)).status).toBe(200);
    emulator.userUpdatesItem(DEAL, Number(id), { title: 'during the outage' });
    await emulator.settleDeliveries();
    expect(notices.requests).toEqual([]);
    expect(emulator.state.deliveries.filter((delivery) => delivery.kind === 'event').map((delivery) => [delivery.event, delivery.status])).toEqual([
      ['ONCRMDEALUPDATE', null],
      ['ONOFFLINEEVENT', null],
    ]);
    expect(dealIds(await get())).toEqual([id]);

    await outage(false);
    emulator.advanceClock(2);
    emulator.userUpdatesItem(DEAL, Number(id), { title: 'after the outage' });
    await emulator.settleDeliveries();
    expect(notices.requests.map((request) => request.form.event).sort()).toEqual(['ONCRMDEALUPDATE', 'ONOFFLINEEVENT']);
  });
});
