import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineDrainWorkflowId } from '../../contracts/offline-drain.js';
import { portalCredentialsQuery, type PortalCredentials } from '../../contracts/portal.js';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import {
  eventTokenKey,
  portalTeardownWorkflowId,
  portalWorkflowId,
  provisionWorkflowId,
  robotRefusalWorkflowId,
  robotWorkflowId,
} from '../../contracts/workflow-ids.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  // Provisioning right before the first test spends the default bucket (50); these tests are about trust, not limits.
  stack = await startStack({ emulator: { rateLimit: { perSecond: 20, burst: 200 } } });
  // Provisioning binds ONAPPUPDATE and ONAPPUNINSTALL; the tests below need them bound.
  await stack.temporal.client.workflow.getHandle(provisionWorkflowId(stack.emulator.memberId)).result();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

const url = (path: string) => `${stack.apiUrl}${path}`;

async function credentials(): Promise<PortalCredentials | null> {
  return stack.temporal.client.workflow.getHandle(portalWorkflowId(stack.emulator.memberId)).query(portalCredentialsQuery);
}

async function postForm(path: string, fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url(path), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function priceRobotWorks(): Promise<void> {
  const fired = await stack.emulator.fireRobot(url('/bitrix24/bizproc'), { code: GET_1C_PRICE.code, properties: { article: 'SKU-001' } });
  expect(fired.status).toBe(200);
  const done = await stack.emulator.waitForRobotCompletion(fired.eventToken, 60_000);
  expect(done.status).toBe('completed');
  expect(done.returnValues).toMatchObject({ available: true });
}

async function exists(workflowId: string): Promise<boolean> {
  return stack.temporal.client.workflow
    .getHandle(workflowId)
    .describe()
    .then(() => true)
    .catch(() => false);
}

describe('the install cannot be taken over', () => {
  it("a user who is no administrator replays the install callback with a widget's tokens: 403, nothing changes, robots keep working", async () => {
    const before = await credentials();
    // Seeded user 3 is no administrator. Opening a widget hands their browser AUTH_ID, REFRESH_ID and APPLICATION_TOKEN.
    const widget = stack.emulator.placementCall(url('/bitrix24/placements/runs'), { placement: 'CRM_DEAL_DETAIL_TAB', options: { ID: '1' }, userId: 3 });
    const replay = (event: string) => ({
      event,
      'data[VERSION]': '1',
      'data[ACTIVE]': 'Y',
      'data[INSTALLED]': 'Y',
      'data[LANGUAGE_ID]': 'en',
      ts: String(Math.floor(Date.now() / 1000)),
      'auth[access_token]': widget.body.AUTH_ID ?? '',
      'auth[expires_in]': '3600',
      'auth[scope]': 'crm',
      'auth[domain]': stack.emulator.domain,
      'auth[server_endpoint]': stack.emulator.serverEndpoint,
      'auth[status]': 'L',
      'auth[client_endpoint]': stack.emulator.clientEndpoint,
      'auth[member_id]': stack.emulator.memberId,
      'auth[refresh_token]': widget.body.REFRESH_ID ?? '',
      'auth[application_token]': 'attacker-chosen-application-token',
    });

    for (const event of ['ONAPPINSTALL', 'ONAPPUPDATE']) {
      const answer = await postForm('/bitrix24/install', replay(event));
      expect(answer).toEqual({
        status: 403,
        body: { error: 'INSTALL_FORBIDDEN', message: 'the install was refused: the user whose token came with it is not a portal administrator' },
      });
    }

    const after = await credentials();
    expect(after).toEqual(before);
    expect(after?.applicationToken).toBe(stack.emulator.applicationToken);
    await priceRobotWorks();
  });
});

describe('authentic robot calls the app cannot serve are answered through Bitrix24', () => {
  it('a property that fails validation: 400, and the business process gets the error and moves on', async () => {
    const fired = await stack.emulator.fireRobot(url('/bitrix24/bizproc'), { code: GET_1C_PRICE.code, properties: {}, timeoutDuration: 0 });
    expect(fired.status).toBe(400);
    expect(fired.body).toMatchObject({ error: 'VALIDATION_FAILED', issues: [{ path: 'properties.article', message: 'is required' }] });
    const done = await stack.emulator.waitForRobotCompletion(fired.eventToken, 60_000);
    expect(done.status).toBe('completed');
    expect(done.logMessages).toEqual(['b24-temporal could not run GET_1C_PRICE: invalid request: properties.article: is required']);
  });

  it('a code the app no longer declares: 404, and the business process gets the error', async () => {
    const fired = await stack.emulator.fireRobot(url('/bitrix24/bizproc'), { code: 'retired_robot', timeoutDuration: 0 });
    expect(fired.status).toBe(404);
    expect(fired.body).toMatchObject({ error: 'UNKNOWN_ROBOT' });
    const done = await stack.emulator.waitForRobotCompletion(fired.eventToken, 60_000);
    expect(done.logMessages[0]).toContain('no robot or activity with code retired_robot is declared by this app');
  });

  it('an unauthenticated call stays a 401 and starts nothing', async () => {
    const fired = await stack.emulator.fireRobot(url('/bitrix24/bizproc'), { code: 'retired_robot', applicationToken: 'forged', timeoutDuration: 0 });
    expect(fired.status).toBe(401);
    expect(await exists(robotRefusalWorkflowId(stack.emulator.memberId, eventTokenKey(fired.eventToken)))).toBe(false);
    expect(stack.emulator.robotResult(fired.eventToken)?.status).toBe('waiting');
  });
});

describe('uninstall', () => {
  it('ONAPPUNINSTALL forgets the tokens and stops the drain; later calls from the portal get 401 and start nothing', async () => {
    const memberId = stack.emulator.memberId;
    const drain = stack.temporal.client.workflow.getHandle(offlineDrainWorkflowId(memberId));
    expect((await drain.describe()).status.name).toBe('RUNNING');

    const deliveries = await stack.emulator.uninstallApp();
    expect(deliveries).toMatchObject([{ handler: url('/bitrix24/install'), status: 200 }]);
    expect(await credentials()).toBeNull();
    const teardown = await stack.temporal.client.workflow.getHandle(portalTeardownWorkflowId(memberId)).result();
    expect(teardown).toMatchObject({ cancelledWorkflows: [offlineDrainWorkflowId(memberId)] });
    expect((await drain.describe()).status.name).toBe('CANCELLED');

    const robot = await stack.emulator.fireRobot(url('/bitrix24/bizproc'), { code: GET_1C_PRICE.code, properties: { article: 'SKU-001' } });
    expect(robot.status).toBe(401);
    const key = eventTokenKey(robot.eventToken);
    expect(await exists(robotWorkflowId(memberId, GET_1C_PRICE.code, key))).toBe(false);
    expect(await exists(robotRefusalWorkflowId(memberId, key))).toBe(false);
    const event = await stack.emulator.fireEvent(url('/bitrix24/events'), 'ONCRMDEALUPDATE', { FIELDS: { ID: '1' } });
    expect(event.status).toBe(401);
    // A replayed uninstall has nothing left to prove itself against.
    const replayed = await postForm('/bitrix24/install', {
      event: 'ONAPPUNINSTALL',
      'auth[domain]': stack.emulator.domain,
      'auth[member_id]': memberId,
      'auth[application_token]': stack.emulator.applicationToken,
    });
    expect(replayed.status).toBe(401);
  });
});
