import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { createEventRouteSource } from '../../lib/crm-events/event-routes.js';
import { TemporalWorkflowGateway } from '../../api/workflow-gateway.js';
import { createAuthConnectorSource } from '../../activities/crm/auth-connector.js';
import { writeItemIfChanged, type CrmItemWriteResult } from '../../activities/crm/write-if-changed.js';
import { createSettingsActivities } from '../../activities/settings.js';
import { entityWorkflowId } from '../../contracts/workflow-ids.js';
import { createDataConverter } from '../../lib/data-converter.js';
import type { EntityRunResult } from '../../workflows/entity/entity-loop.js';
import '../support/quiet-temporal-runtime.js';
import { createLocalEnv } from '../support/temporal-binaries.js';
import { uniqueTaskQueue } from '../support/workflow-bundle.js';
import { FakeVerifier, testConfig } from '../unit/api/fakes.js';
import { startEmulatorPortal, type EmulatorPortal } from './support/emulator-portal.js';
import { entitySettings, entityTestBundle, passRecorder } from './support/entity-harness.js';
import { waitUntil } from './support/wait-until.js';

const CLAIM_TYPE = 147;
const dataConverter = createDataConverter(randomBytes(32).toString('base64'));
let env: TestWorkflowEnvironment;
let portal: EmulatorPortal;
let api: FastifyInstance;
let gateway: TemporalWorkflowGateway;
const taskQueue = uniqueTaskQueue('echo');

beforeAll(async () => {
  [env, portal] = await Promise.all([createLocalEnv({ dataConverter }), startEmulatorPortal(), entityTestBundle()]).then(
    ([local, emulated]) => [local, emulated] as const,
  );
  const config = testConfig({ CLAIM_ENTITY_TYPE_ID: String(CLAIM_TYPE) });
  gateway = new TemporalWorkflowGateway({
    client: env.client,
    taskQueue,
    logger: pino({ level: 'silent' }),
    routes: createEventRouteSource({ config, portals: portal.store }),
  });
  api = await buildApp({
    config,
    logger: { level: 'silent' },
    portals: portal.store,
    workflows: gateway,
    installVerifier: new FakeVerifier(),
    temporalHealth: async () => true,
  });
  const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  // Product linking gives the type its amount field (crm-item-add.md); without it `opportunity` would be ignored.
  portal.emulator.state.addCrmType({ entityTypeId: CLAIM_TYPE, title: 'Claim', isLinkWithProductsEnabled: 'Y' });
  for (const event of [`ONCRMDYNAMICITEMADD_${CLAIM_TYPE}`, `ONCRMDYNAMICITEMUPDATE_${CLAIM_TYPE}`]) {
    await portal.bitrix24.call(portal.emulator.memberId, 'event.bind', { event, handler: `${apiUrl}/bitrix24/events` });
  }
}, 180_000);

afterAll(async () => {
  await api?.close();
  await gateway?.drain();
  await portal?.close();
  await env?.teardown();
});

describe('echo of our own write (emulator → API → entity workflow → emulator)', () => {
  it('the update event caused by our write gives at most one more pass, and that pass writes nothing', async () => {
    const writes: CrmItemWriteResult[] = [];
    // The emulated plan has rest_auth_connector: the writes carry our connector, as the worker's do.
    const connector = createAuthConnectorSource({ bitrix24: portal.bitrix24 });
    const recorder = passRecorder(async (context) => {
      // What a process does: re-read the item and bring it to the wanted state, writing only differences.
      const written = await writeItemIfChanged(portal.bitrix24, connector, {
        memberId: context.memberId,
        entityTypeId: context.entityTypeId,
        id: context.entityId,
        fields: { title: 'Claim (normalised)', opportunity: 150 },
      });
      writes.push(written);
      return {};
    });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      dataConverter,
      workflowBundle: await entityTestBundle(),
      activities: { ...createSettingsActivities(entitySettings({ entityCoalesceWindowMs: 300, entityIdleMs: 3_000 })), ...recorder.activities },
    });

    const result = await worker.runUntil(async () => {
      const item = portal.emulator.userAddsItem(CLAIM_TYPE, { title: 'claim typed by a user', opportunity: '150' });
      const workflowId = entityWorkflowId(portal.emulator.memberId, CLAIM_TYPE, Number(item.id));
      await waitUntil(() => recorder.passes.length >= 2, 'the echo pass');
      await portal.emulator.settleDeliveries();
      return (await env.client.workflow.getHandle(workflowId).result()) as EntityRunResult;
    });

    expect(writes).toEqual([
      { written: true, changedFields: ['title'] },
      { written: false, changedFields: [] },
    ]);
    expect(result.passes).toBe(2);
    expect(recorder.passes[0]?.added).toBe(true);
    expect(recorder.passes[1]?.changes.map((change) => [change.kind, change.source])).toEqual([['update', 'online']]);
    expect(portal.emulator.callsTo('crm.item.update')).toHaveLength(1);
  }, 60_000);
});
