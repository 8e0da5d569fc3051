import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { crmEventRoutes } from '../../../lib/crm-events/event-routes.js';
import { createOfflineDrainActivities } from '../../../activities/crm/offline-drain.js';
import type { OfflineEventRecord } from '../../../activities/crm/offline-records.js';
import { recordingBitrix24 } from '../../support/recording-bitrix24.js';

const record = (id: number, name: string, fields: Record<string, unknown>): OfflineEventRecord => ({
  ID: String(id),
  TIMESTAMP_X: '2026-03-02T10:00:00+03:00',
  EVENT_NAME: name,
  EVENT_DATA: { FIELDS: fields },
  MESSAGE_ID: `msg-${id}`,
});

/** Only signalWithStart is used; each call answers per the workflow id. */
function fakeClient(answer: (workflowId: string) => Promise<unknown>): { client: Client; started: string[] } {
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

describe('drainOfflineBatch', () => {
  it('routes, ignores and marks records, then confirms only what was handled', async () => {
    const events = [
      record(1, 'ONCRMDEALUPDATE', { ID: '759' }),
      record(2, 'ONCRMDYNAMICITEMADD', { ID: '3', ENTITY_TYPE_ID: '190' }),
      record(3, 'ONCRMDYNAMICITEMUPDATE', { ID: '4', ENTITY_TYPE_ID: '31' }),
    ];
    const bitrix24 = recordingBitrix24((method) => (method === 'event.offline.get' ? { process_id: 'p-1', events } : true));
    const { client, started } = fakeClient(async (workflowId) => {
      if (workflowId.endsWith('/31/4')) throw Object.assign(new Error('invalid argument'), { code: 3 });
      return {};
    });
    const activities = createOfflineDrainActivities({ bitrix24, temporal: client, eventRoutes: async () => crmEventRoutes({}) });

    const result = await new MockActivityEnvironment({ taskQueue: 'q' }).run(activities.drainOfflineBatch, { memberId: 'm', processId: 'p-1', limit: 50 });

    expect(result).toEqual({ fetched: 3, routed: 1, ignored: 1, failed: 1 });
    expect(started).toEqual(['entity/m/2/759', 'entity/m/31/4']);
    expect(bitrix24.callsTo('event.offline.get')[0]?.params).toEqual({ clear: 0, process_id: 'p-1', limit: 50 });
    expect(bitrix24.calls.map((call) => [call.method, call.params.message_id])).toEqual([
      ['event.offline.get', undefined],
      ['event.offline.error', ['msg-3']],
      ['event.offline.clear', ['msg-1', 'msg-2']],
    ]);
  });

  it('lets an unreachable Temporal fail the attempt without confirming anything', async () => {
    const events = [record(1, 'ONCRMDEALUPDATE', { ID: '759' })];
    const bitrix24 = recordingBitrix24((method) => (method === 'event.offline.get' ? { process_id: 'p-2', events } : true));
    const unavailable = Object.assign(new Error('connect ECONNREFUSED'), { code: 14, details: 'unavailable', metadata: {} });
    const { client } = fakeClient(async () => {
      throw unavailable;
    });
    const activities = createOfflineDrainActivities({ bitrix24, temporal: client, eventRoutes: async () => crmEventRoutes({}) });
    await expect(
      new MockActivityEnvironment({ taskQueue: 'q' }).run(activities.drainOfflineBatch, { memberId: 'm', processId: 'p-2', limit: 50 }),
    ).rejects.toThrow(/ECONNREFUSED/);
    expect(bitrix24.calls.map((call) => call.method)).toEqual(['event.offline.get']);
  });
});
