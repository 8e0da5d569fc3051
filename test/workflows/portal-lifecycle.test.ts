import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemporalWorkflowGateway } from '../../api/workflow-gateway.js';
import type { PortalInstall } from '../../contracts/portal.js';
import { SA_PORTAL } from '../../contracts/search-attributes.js';
import { createTemporalPortalStore } from '../../lib/portals/temporal-store.js';
import type { portalTeardownWorkflow } from '../../workflows/portal-teardown.js';
import { portalWorkflowId } from '../../contracts/workflow-ids.js';
import { installForTokens, startCaptureServer } from '../emulator/helpers.js';
import { keepForReplay, replayDataConverter } from '../support/replay-histories.js';
import { recordingBitrix24 } from '../support/recording-bitrix24.js';
import { createLocalEnv } from '../support/temporal-binaries.js';
import { testActivities } from '../support/test-activities.js';
import { createTestWorker, uniqueTaskQueue } from '../support/workflow-bundle.js';
import { startEmulatorPortal, type EmulatorPortal } from './support/emulator-portal.js';

// Runs of this file are kept as replay fixtures (npm run test:capture-histories): the replay key encrypts them.
const dataConverter = replayDataConverter();
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createLocalEnv({ dataConverter });
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

function install(memberId: string, overrides: Partial<PortalInstall> = {}): PortalInstall {
  return {
    memberId,
    domain: 'example.bitrix24.com',
    clientEndpoint: 'https://example.bitrix24.com/rest/',
    serverEndpoint: 'https://oauth.bitrix.info/rest/',
    applicationToken: 'application-token-1',
    accessToken: 'access-1',
    refreshToken: 'refresh-1',
    expiresAt: 1_900_000_000,
    scope: 'crm',
    ...overrides,
  };
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('portal workflow: install, install without a token, uninstall (dev server, real worker)', () => {
  it('keeps the stored application token for an install without one, and forgets everything on uninstall', async () => {
    const taskQueue = uniqueTaskQueue('portal');
    const worker = await createTestWorker(env, {
      taskQueue,
      dataConverter,
      activities: testActivities({ bitrix24: recordingBitrix24() }),
    });
    const memberId = `member-${taskQueue}`;
    await worker.runUntil(async () => {
      const store = createTemporalPortalStore({ client: env.client, taskQueue });
      expect(await store.install(install(memberId))).toMatchObject({ applicationToken: 'application-token-1', version: 1 });
      await store.saveSettings(memberId, { claimEntityTypeId: 1038 });

      // A browser install carries no application_token: the one Bitrix24 sent before stays.
      const browser = await store.install(install(memberId, { applicationToken: null, accessToken: 'access-2' }));
      expect(browser).toMatchObject({ applicationToken: 'application-token-1', accessToken: 'access-2', version: 2 });

      expect(await store.uninstall(memberId)).toBe(true);
      expect(await store.find(memberId)).toBeNull();
      // A second process reads the workflow, not a cache: nothing is left to find.
      expect(await createTemporalPortalStore({ client: env.client, taskQueue }).find(memberId)).toBeNull();
      expect(await store.uninstall(memberId)).toBe(false);
      await expect(store.refresh(memberId, 2)).rejects.toThrow();

      // A re-install starts from nothing it did not bring, with a version above every one handed out before.
      const again = await store.install(install(memberId, { applicationToken: null, accessToken: 'access-3' }));
      expect(again).toMatchObject({ applicationToken: null, accessToken: 'access-3', version: 3 });
      expect(await store.settings(memberId)).toMatchObject({ claimEntityTypeId: 1038 });
      await keepForReplay(env.client.workflow.getHandle(portalWorkflowId(memberId)), expect.getState().currentTestName);
    });
  });

  it("refreshes the tokens with the OAuth server, follows a move and forgets everything on uninstall, through the portal workflow's updates", async () => {
    const portal = await startEmulatorPortal();
    const taskQueue = uniqueTaskQueue('portal-life');
    const worker = await createTestWorker(env, {
      taskQueue,
      dataConverter,
      activities: testActivities({
        bitrix24: recordingBitrix24(),
        oauth: { clientId: 'local.emulator.app', clientSecret: 'emulator-secret', allowedHosts: ['127.0.0.1'] },
      }),
    });
    const { emulator } = portal;
    const memberId = `member-${taskQueue}`;
    try {
      await worker.runUntil(async () => {
        const store = createTemporalPortalStore({ client: env.client, taskQueue });
        const tokens = await installForTokens(emulator);
        const first = await store.install(
          install(memberId, { domain: emulator.domain, clientEndpoint: emulator.clientEndpoint, serverEndpoint: emulator.serverEndpoint, ...tokens }),
        );
        const refreshed = await store.refresh(memberId, first.version);
        expect(refreshed).toMatchObject({ version: first.version + 1 });
        expect(refreshed.accessToken).not.toBe(tokens.accessToken);
        expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
        // A second caller that saw the old version gets the new tokens without another refresh.
        expect(await store.refresh(memberId, first.version)).toMatchObject({ accessToken: refreshed.accessToken });
        expect(emulator.refreshCount()).toBe(1);

        const moved = await store.move(memberId, { domain: emulator.domain, clientEndpoint: `${emulator.clientEndpoint}` });
        expect(moved).toMatchObject({ version: refreshed.version, accessToken: refreshed.accessToken });
        expect(await store.uninstall(memberId)).toBe(true);
        expect(await createTemporalPortalStore({ client: env.client, taskQueue }).find(memberId)).toBeNull();
        await keepForReplay(env.client.workflow.getHandle(portalWorkflowId(memberId)), expect.getState().currentTestName);
      });
    } finally {
      await portal.close();
    }
  });

  it('answers false for a portal that never installed', async () => {
    const store = createTemporalPortalStore({ client: env.client, taskQueue: uniqueTaskQueue('portal') });
    expect(await store.uninstall('never-installed')).toBe(false);
  });
});

describe('uninstall stops the portal background work (dev server, real worker)', () => {
  it("deletes the portal's Schedules, cancels its drain runs, and leaves other portals alone", async () => {
    const taskQueue = uniqueTaskQueue('teardown');
    // Drain runs wait on a queue nobody polls, so they stay open until cancelled.
    const idleQueue = `${taskQueue}-idle`;
    const memberId = `member-${taskQueue}`;
    const gateway = new TemporalWorkflowGateway({ client: env.client, taskQueue, logger: pino({ level: 'silent' }), deadlineMs: 10_000 });
    // Drain Schedules as earlier versions created them (`offline-drain/{memberId}`), this portal's and another's.
    for (const owner of [memberId, `other-${memberId}`]) {
      await env.client.schedule.create({
        scheduleId: `offline-drain/${owner}`,
        spec: { intervals: [{ every: '1 hour' }] },
        action: { type: 'startWorkflow', workflowType: 'offlineDrainWorkflow', taskQueue: idleQueue, args: [{ memberId: owner }] },
      });
    }
    await env.client.schedule.create({
      scheduleId: `nightly-report/${memberId}`,
      spec: { intervals: [{ every: '1 day' }] },
      action: { type: 'startWorkflow', workflowType: 'offlineDrainWorkflow', taskQueue: idleQueue, args: [{ memberId }] },
    });
    // The long-lived drain (`offline-drain/{memberId}`), and a run a Schedule started under its own id.
    await env.client.workflow.start('offlineDrainWorkflow', { taskQueue: idleQueue, workflowId: `offline-drain/${memberId}`, args: [{ memberId }] });
    await env.client.workflow.start('offlineDrainWorkflow', {
      taskQueue: idleQueue,
      workflowId: `offline-drain/${memberId}-2026-01-01T00:00:00Z`,
      args: [{ memberId }],
      typedSearchAttributes: [{ key: SA_PORTAL, value: memberId }],
    });
    await waitFor(async () => {
      const ids: string[] = [];
      for await (const schedule of env.client.schedule.list()) ids.push(schedule.scheduleId);
      const runs = await env.client.workflow.count(`${SA_PORTAL.name} = '${memberId}'`);
      return ids.includes(`nightly-report/${memberId}`) && runs.count === 1;
    }, 'the schedules and the run to be visible');

    const worker = await createTestWorker(env, {
      taskQueue,
      dataConverter,
      activities: testActivities({ bitrix24: recordingBitrix24(), temporal: env.client }),
    });
    const stopped = await worker.runUntil(async () => {
      const { workflowId } = await gateway.onPortalUninstalled(memberId);
      expect(workflowId).toBe(`portal-teardown/${memberId}`);
      const stopping = env.client.workflow.getHandle<typeof portalTeardownWorkflow>(workflowId);
      const result = await stopping.result();
      await keepForReplay(stopping, expect.getState().currentTestName);
      return result;
    });
    expect(stopped.deletedSchedules.sort()).toEqual([`nightly-report/${memberId}`, `offline-drain/${memberId}`]);
    expect(stopped.cancelledWorkflows.sort()).toEqual([`offline-drain/${memberId}`, `offline-drain/${memberId}-2026-01-01T00:00:00Z`]);
    await expect(env.client.schedule.getHandle(`offline-drain/${memberId}`).describe()).rejects.toThrow();
    await expect(env.client.schedule.getHandle(`offline-drain/other-${memberId}`).describe()).resolves.toBeDefined();
    const history = await env.client.workflow.getHandle(`offline-drain/${memberId}`).fetchHistory();
    expect(history.events?.some((event) => event.workflowExecutionCancelRequestedEventAttributes)).toBe(true);

    await env.client.schedule.getHandle(`offline-drain/other-${memberId}`).delete();
    await gateway.drain();
  });
});

describe('robot refusal: the business process is answered through bizproc.event.send (dev server, emulator)', () => {
  let portal: EmulatorPortal;
  let handler: Awaited<ReturnType<typeof startCaptureServer>>;

  beforeAll(async () => {
    portal = await startEmulatorPortal();
    handler = await startCaptureServer();
  });
  afterAll(async () => {
    await handler?.close();
    await portal?.close();
  });

  it('completes the waiting robot once with the error in the log, and a re-delivery answers nothing twice', async () => {
    const taskQueue = uniqueTaskQueue('refusal');
    const gateway = new TemporalWorkflowGateway({ client: env.client, taskQueue, logger: pino({ level: 'silent' }), deadlineMs: 10_000 });
    const fired = await portal.emulator.fireRobot(handler.url, { code: 'retired_robot', timeoutDuration: 0 });
    const refusal = {
      memberId: portal.emulator.memberId,
      robotCode: 'retired_robot',
      eventToken: fired.eventToken,
      documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_1'] as [string, string, string],
      reason: 'no robot or activity with code retired_robot is declared by this app',
    };
    const worker = await createTestWorker(env, {
      taskQueue,
      dataConverter,
      activities: testActivities({ bitrix24: portal.bitrix24 }),
    });
    await worker.runUntil(async () => {
      const started = await gateway.refuseRobotCall(refusal);
      expect(started.workflowId).toMatch(new RegExp(`^robot-refusal/${portal.emulator.memberId}/`));
      await expect(env.client.workflow.getHandle(started.workflowId).result()).resolves.toEqual({ delivered: true });
      await keepForReplay(env.client.workflow.getHandle(started.workflowId), expect.getState().currentTestName);
      await expect(gateway.refuseRobotCall(refusal)).resolves.toEqual({ workflowId: started.workflowId, duplicate: true });
    });
    const invocation = portal.emulator.robotResult(fired.eventToken);
    expect(invocation).toMatchObject({
      status: 'completed',
      returnValues: { error: refusal.reason },
      logMessages: [`b24-temporal could not run retired_robot: ${refusal.reason}`],
      lateSends: [],
    });
    expect(portal.emulator.callsTo('bizproc.event.send')).toHaveLength(1);
    await gateway.drain();
  });
});
