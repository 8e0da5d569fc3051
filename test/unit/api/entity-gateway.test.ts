import { defaultPayloadConverter, type DataConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventRouteSource, type CrmEvent } from '../../../lib/crm-events/event-routes.js';
import { TemporalWorkflowGateway } from '../../../api/workflow-gateway.js';
import { SA_DOCUMENT, SA_OUTCOME, SA_PORTAL, SA_PROCESS } from '../../../contracts/search-attributes.js';
import { createDataConverter } from '../../../lib/data-converter.js';
import { createLocalEnv } from '../../support/temporal-binaries.js';
import { InMemoryPortals, MEMBER_ID, testConfig } from './fakes.js';

const TASK_QUEUE = 'entity-gateway-test';

function delivery(event: string, fields: Record<string, unknown>, ts: number): CrmEvent {
  return { memberId: MEMBER_ID, domain: 'example.bitrix24.com', event, eventHandlerId: '7', data: { FIELDS: fields }, ts };
}

/** Nobody polls the task queue: the entity workflows stay open with their signals in history, which is what the ingress promises. */
describe('TemporalWorkflowGateway with the CRM route table (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let gateway: TemporalWorkflowGateway;
  let dataConverter: DataConverter;

  beforeAll(async () => {
    const config = testConfig({ CLAIM_ENTITY_TYPE_ID: '147' });
    dataConverter = createDataConverter(config.PAYLOAD_CODEC_KEY);
    env = await createLocalEnv({ dataConverter });
    gateway = new TemporalWorkflowGateway({
      client: env.client,
      taskQueue: TASK_QUEUE,
      logger: pino({ level: 'silent' }),
      routes: createEventRouteSource({ config, portals: new InMemoryPortals() }),
      offlineDrain: true,
    });
  }, 120_000);
  afterAll(async () => {
    await gateway?.drain();
    await env?.teardown();
  });

  it('signals-with-start one entity workflow per item: a base and a suffixed delivery land in the same run', async () => {
    const first = await gateway.routeEvent(delivery('ONCRMDYNAMICITEMADD_147', { ID: '42', ENTITY_TYPE_ID: '147' }, 100));
    const second = await gateway.routeEvent(delivery('ONCRMDYNAMICITEMUPDATE', { ID: '42', ENTITY_TYPE_ID: '147' }, 101));
    expect(first).toEqual({ workflowId: `entity/${MEMBER_ID}/147/42` });
    expect(second).toEqual(first);

    const handle = env.client.workflow.getHandle(`entity/${MEMBER_ID}/147/42`);
    const description = await handle.describe();
    expect(description.type).toBe('entityWorkflow');
    expect(description.typedSearchAttributes.get(SA_PORTAL)).toBe(MEMBER_ID);
    expect(description.typedSearchAttributes.get(SA_DOCUMENT)).toBe('DYNAMIC_147_42');
    expect(description.typedSearchAttributes.get(SA_PROCESS)).toBe('claim-intake');
    expect(description.typedSearchAttributes.get(SA_OUTCOME)).toBe('running');
    expect(await description.staticSummary()).toBe('Item 147/42 · claim-intake');

    const events = (await handle.fetchHistory()).events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    expect(started?.workflowType?.name).toBe('entityWorkflow');
    const signals = events.filter((entry) => entry.workflowExecutionSignaledEventAttributes);
    expect(signals.map((entry) => entry.workflowExecutionSignaledEventAttributes?.signalName)).toEqual(['entity.changed', 'entity.changed']);
    const encoded = signals.map((entry) => entry.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0] ?? {});
    expect(encoded.map((payload) => new TextDecoder().decode(payload.metadata?.encoding ?? new Uint8Array()))).toEqual([
      'binary/encrypted',
      'binary/encrypted',
    ]);
    const [codec] = dataConverter.payloadCodecs ?? [];
    if (!codec) throw new Error('the data converter has no payload codec');
    const decoded = await codec.decode(encoded);
    expect(decoded.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([
      { kind: 'add', event: 'ONCRMDYNAMICITEMADD_147', ts: 100, source: 'online' },
      { kind: 'update', event: 'ONCRMDYNAMICITEMUPDATE', ts: 101, source: 'online' },
    ]);
  });

  it('a deal event starts the product-sync entity with a DEAL_ document', async () => {
    await gateway.routeEvent(delivery('ONCRMDEALUPDATE', { ID: '759' }, 100));
    const description = await env.client.workflow.getHandle(`entity/${MEMBER_ID}/2/759`).describe();
    expect(description.typedSearchAttributes.get(SA_DOCUMENT)).toBe('DEAL_759');
    expect(description.typedSearchAttributes.get(SA_PROCESS)).toBe('deal-products');
  });

  it('an unrouted entity type starts nothing', async () => {
    await expect(gateway.routeEvent(delivery('ONCRMDYNAMICITEMADD', { ID: '1', ENTITY_TYPE_ID: '190' }, 1))).resolves.toBeNull();
    await expect(env.client.workflow.getHandle(`entity/${MEMBER_ID}/190/1`).describe()).rejects.toThrow();
  });

  it('an install starts the portal offline drain and deletes the Schedule an earlier version left; later wakes reach the same run', async () => {
    // What an earlier version created under the drain's id.
    const legacy = await env.client.schedule.create({
      scheduleId: `offline-drain/${MEMBER_ID}`,
      spec: { intervals: [{ every: '60s' }] },
      action: { type: 'startWorkflow', workflowType: 'offlineDrainWorkflow', workflowId: `offline-drain/${MEMBER_ID}`, taskQueue: TASK_QUEUE, args: [{ memberId: MEMBER_ID }] },
    });
    await gateway.onPortalInstalled(MEMBER_ID, 'ONAPPINSTALL');
    await expect(legacy.describe()).rejects.toThrow();
    await gateway.onPortalInstalled(MEMBER_ID, 'ONAPPUPDATE');
    await expect(gateway.wakeOfflineDrain(MEMBER_ID)).resolves.toEqual({ workflowId: `offline-drain/${MEMBER_ID}` });

    const handle = env.client.workflow.getHandle(`offline-drain/${MEMBER_ID}`);
    const description = await handle.describe();
    expect(description.type).toBe('offlineDrainWorkflow');
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(SA_PROCESS)).toBe('offline-drain');
    expect(description.typedSearchAttributes.get(SA_PORTAL)).toBe(MEMBER_ID);
    const events = (await handle.fetchHistory()).events ?? [];
    const signals = events.flatMap((entry) => entry.workflowExecutionSignaledEventAttributes ?? []);
    expect(signals.map((signal) => signal.signalName)).toEqual(['offline-drain.wake', 'offline-drain.wake', 'offline-drain.wake']);
    const [codec] = dataConverter.payloadCodecs ?? [];
    if (!codec) throw new Error('the data converter has no payload codec');
    const decoded = await codec.decode(signals.map((signal) => signal.input?.payloads?.[0] ?? {}));
    expect(decoded.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([
      { reason: 'install' },
      { reason: 'install' },
      { reason: 'offline-event' },
    ]);
    await handle.terminate('test over');
  });
});
