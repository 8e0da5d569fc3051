import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createOfflineDrainActivities } from '../../../activities/crm/offline-drain.js';
import type { OfflineRecord } from '../../../activities/crm/offline-records.js';
import { Bitrix24Error, toApplicationFailure } from '../../../integrations/bitrix24/errors.js';
import { crmEventRoutes } from '../../../lib/crm-events/event-routes.js';
import { recordingBitrix24 } from '../../support/recording-bitrix24.js';

const record = (id: number, event: string, fields: Record<string, unknown>): OfflineRecord => ({
  messageId: `msg-${id}`,
  event,
  data: { FIELDS: fields },
  ts: 1_772_434_800,
});

/** Only signalWithStart is used; each call answers per the workflow id. */
function fakeClient(answer: (workflowId: string) => Promise<unknown> = async () => ({})): { client: Client; started: string[] } {
  const started: string[] = [];
  const client = {
    workflow: {
      async signalWithStart(_type: string, options: { workflowId: string }) {
        started.push(options.workflowId);
        return answer(options.workflowId);
      },
    },
  } as unknown as Client;
  return { client, started };
}

function bitrix24Failure(code: string, status: number, method = 'event.offline.get'): ApplicationFailure {
  return toApplicationFailure(new Bitrix24Error({ code, status, description: 'Bitrix24 said no', method }));
}

/** Provisioning recorded that the plan has rest_auth_connector: the offline events were bound with our connector. */
const boundWithConnector = { settings: async () => ({ authConnector: true }) };

const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment({ taskQueue: 'q' }).run(fn, ...args);

describe('readOfflineBatch', () => {
  it('reserves without a process id, re-reads with one, takes with clear=1, always with our auth_connector', async () => {
    const bitrix24 = recordingBitrix24(() => ({
      process_id: 'p-1',
      events: [
        { ID: '1', TIMESTAMP_X: '2026-03-02T10:00:00+03:00', EVENT_NAME: 'onCrmDealUpdate', EVENT_DATA: { FIELDS: { ID: '759' } }, MESSAGE_ID: 'm1' },
        { ID: '2', TIMESTAMP_X: 'not a date', EVENT_NAME: 'ONCRMDEALADD', EVENT_DATA: false, MESSAGE_ID: 'm2' },
      ],
    }));
    const { readOfflineBatch } = createOfflineDrainActivities({ bitrix24, eventRoutes: async () => [], portals: boundWithConnector });

    const reserved = await run(readOfflineBatch, { memberId: 'm', limit: 50, clear: false });
    await run(readOfflineBatch, { memberId: 'm', limit: 50, clear: false, processId: 'p-1' });
    await run(readOfflineBatch, { memberId: 'm', limit: 10, clear: true });

    expect(bitrix24.calls.map((call) => call.params)).toEqual([
      { clear: 0, limit: 50, auth_connector: 'b24-temporal' },
      { clear: 0, limit: 50, process_id: 'p-1', auth_connector: 'b24-temporal' },
      { clear: 1, limit: 10, auth_connector: 'b24-temporal' },
    ]);
    expect(reserved).toEqual({
      processId: 'p-1',
      records: [
        { messageId: 'm1', event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: '759' } }, ts: 1_772_434_800 },
        { messageId: 'm2', event: 'ONCRMDEALADD', data: {}, ts: 0 },
      ],
    });
  });

  it.each([
    ['ACCESS_DENIED', 'OfflineDrain.NotAdministrator', /not a portal administrator/],
    ['WRONG_AUTH_TYPE', 'OfflineDrain.NotApplicationAuth', /inbound webhook cannot read the offline queue/],
    ['WRONG_LICENSE', 'OfflineDrain.LicenseRequired', /plan lacks this feature/],
  ])('%s becomes a non-retryable %s that names the cause', async (code, type, cause) => {
    const bitrix24 = recordingBitrix24(() => {
      throw bitrix24Failure(code, 403);
    });
    const { readOfflineBatch } = createOfflineDrainActivities({ bitrix24, eventRoutes: async () => [], portals: boundWithConnector });
    const failure = await run(readOfflineBatch, { memberId: 'portal-1', limit: 50, clear: false }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type, nonRetryable: true });
    expect((failure as Error).message).toMatch(cause);
    expect((failure as Error).message).toContain(`portal-1: event.offline.get refused (${code})`);
  });

  it('on a plan without rest_auth_connector reads, marks and clears without a connector, as the bindings were made', async () => {
    const bitrix24 = recordingBitrix24((method) => (method === 'feature.get' ? { value: 'N' } : { process_id: 'p-2', events: [] }));
    const { readOfflineBatch, confirmOfflineBatch } = createOfflineDrainActivities({ bitrix24, eventRoutes: async () => [], portals: { settings: async () => ({}) } });
    await run(readOfflineBatch, { memberId: 'm', limit: 50, clear: false });
    await run(confirmOfflineBatch, { memberId: 'm', processId: 'p-2', done: ['a'], failed: ['b'] });
    expect(bitrix24.calls.map((call) => [call.method, call.params])).toEqual([
      ['feature.get', { CODE: 'rest_auth_connector' }],
      ['event.offline.get', { clear: 0, limit: 50 }],
      ['event.offline.error', { process_id: 'p-2', message_id: ['b'] }],
      ['event.offline.clear', { process_id: 'p-2', message_id: ['a'] }],
    ]);
  });

  it('leaves every other failure as the client classified it', async () => {
    const limit = bitrix24Failure('QUERY_LIMIT_EXCEEDED', 503);
    const bitrix24 = recordingBitrix24(() => {
      throw limit;
    });
    const { readOfflineBatch } = createOfflineDrainActivities({ bitrix24, eventRoutes: async () => [], portals: boundWithConnector });
    await expect(run(readOfflineBatch, { memberId: 'm', limit: 50, clear: true })).rejects.toBe(limit);
  });
});

describe('checkOfflineFeature', () => {
  it('reads rest_offline_extended from feature.get; a portal without the method has no extended mode', async () => {
    const answers = [{ value: 'Y' }, { value: 'N' }];
    const bitrix24 = recordingBitrix24(() => {
      const next = answers.shift();
      if (!next) throw bitrix24Failure('ERROR_METHOD_NOT_FOUND', 404, 'feature.get');
      return next;
    });
    const { checkOfflineFeature } = createOfflineDrainActivities({ bitrix24, eventRoutes: async () => [], portals: boundWithConnector });
    const results = [];
    for (let attempt = 0; attempt < 3; attempt += 1) results.push(await run(checkOfflineFeature, { memberId: 'm' }));
    expect(results).toEqual([{ extended: true }, { extended: false }, { extended: false }]);
    expect(bitrix24.calls[0]).toMatchObject({ method: 'feature.get', params: { CODE: 'rest_offline_extended' } });
  });
});

describe('deliverOfflineRecords', () => {
  const records = [
    record(1, 'ONCRMDEALUPDATE', { ID: '759' }),
    record(2, 'ONCRMDYNAMICITEMADD', { ID: '3', ENTITY_TYPE_ID: '190' }),
    record(3, 'ONCRMDYNAMICITEMUPDATE', { ID: '4', ENTITY_TYPE_ID: '31' }),
    record(4, '', {}),
  ];

  it('signals routed records, ignores unrouted ones and reports what Temporal refused or could not be read', async () => {
    const { client, started } = fakeClient(async (workflowId) => {
      if (workflowId.endsWith('/31/4')) throw Object.assign(new Error('invalid argument'), { code: 3 });
      return {};
    });
    const { deliverOfflineRecords } = createOfflineDrainActivities({ bitrix24: recordingBitrix24(), temporal: client, eventRoutes: async () => crmEventRoutes({}) });
    const outcome = await run(deliverOfflineRecords, { memberId: 'm', records });
    expect(outcome).toEqual({ routed: ['msg-1'], ignored: ['msg-2'], failed: ['msg-3', 'msg-4'] });
    expect(started).toEqual(['entity/m/2/759', 'entity/m/31/4']);
  });

  it('resumes a retried attempt after the records its heartbeats reported, so none is signalled twice', async () => {
    const { client, started } = fakeClient();
    const { deliverOfflineRecords } = createOfflineDrainActivities({ bitrix24: recordingBitrix24(), temporal: client, eventRoutes: async () => crmEventRoutes({}) });
    const retried = new MockActivityEnvironment({
      taskQueue: 'q',
      attempt: 2,
      heartbeatDetails: { next: 1, routed: ['msg-1'], ignored: [], failed: [] },
    });
    const beats: unknown[] = [];
    retried.on('heartbeat', (details: unknown) => beats.push(details));
    const again = [record(1, 'ONCRMDEALUPDATE', { ID: '759' }), record(5, 'ONCRMDEALUPDATE', { ID: '760' })];
    const outcome = await retried.run(deliverOfflineRecords, { memberId: 'm', records: again });
    expect(started).toEqual(['entity/m/2/760']);
    expect(outcome).toEqual({ routed: ['msg-1', 'msg-5'], ignored: [], failed: [] });
    expect(beats.at(-1)).toEqual({ next: 2, routed: ['msg-1', 'msg-5'], ignored: [], failed: [] });
  });

  it('lets an unreachable Temporal fail the attempt', async () => {
    const unavailable = Object.assign(new Error('connect ECONNREFUSED'), { code: 14, details: 'unavailable', metadata: {} });
    const { client } = fakeClient(async () => {
      throw unavailable;
    });
    const { deliverOfflineRecords } = createOfflineDrainActivities({ bitrix24: recordingBitrix24(), temporal: client, eventRoutes: async () => crmEventRoutes({}) });
    await expect(run(deliverOfflineRecords, { memberId: 'm', records })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('fails non-retryably on a worker without a Temporal client', async () => {
    const { deliverOfflineRecords } = createOfflineDrainActivities({ bitrix24: recordingBitrix24(), eventRoutes: async () => [] });
    await expect(run(deliverOfflineRecords, { memberId: 'm', records })).rejects.toMatchObject({ type: 'Config.MissingTemporalClient', nonRetryable: true });
  });
});

describe('confirmOfflineBatch', () => {
  it('marks failures first, then clears the handled records of the process by message id', async () => {
    const bitrix24 = recordingBitrix24();
    const { confirmOfflineBatch } = createOfflineDrainActivities({ bitrix24, eventRoutes: async () => [], portals: boundWithConnector });
    await run(confirmOfflineBatch, { memberId: 'm', processId: 'p-9', done: ['a', 'b'], failed: ['c'] });
    await run(confirmOfflineBatch, { memberId: 'm', processId: 'p-9', done: [], failed: [] });
    expect(bitrix24.calls.map((call) => [call.method, call.params])).toEqual([
      ['event.offline.error', { process_id: 'p-9', message_id: ['c'], auth_connector: 'b24-temporal' }],
      ['event.offline.clear', { process_id: 'p-9', message_id: ['a', 'b'], auth_connector: 'b24-temporal' }],
    ]);
  });
});
