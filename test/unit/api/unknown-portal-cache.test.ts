import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../../api/app.js';
import type { PortalCredentials, PortalInstall } from '../../../contracts/portal.js';
import { createTemporalPortalStore } from '../../../lib/portals/temporal-store.js';
import { FakeVerifier, installBody, MEMBER_ID, RecordingGateway, robotCallBody, storedPortal, testConfig } from './fakes.js';

/**
 * The Temporal client as the portal store uses it, counting the questions it is asked: a portal workflow answers its
 * credentials query once installed; before that, Temporal answers "no such workflow".
 */
function countingTemporal() {
  const installed = new Map<string, PortalCredentials>();
  const asked: string[] = [];
  const client = {
    workflow: {
      getHandle: (workflowId: string) => ({
        query: async () => {
          asked.push(workflowId);
          const credentials = installed.get(workflowId);
          if (!credentials) throw new WorkflowNotFoundError('workflow not found', workflowId, undefined);
          return credentials;
        },
      }),
      executeUpdateWithStart: async (_update: unknown, options: { args: [PortalInstall] }) => {
        const [install] = options.args;
        const credentials = storedPortal({ ...install, memberId: install.memberId, version: 1 });
        installed.set(`portal/${install.memberId}`, credentials);
        return credentials;
      },
    },
  } as unknown as Client;
  return { client, asked };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await app?.close();
  app = undefined;
});

describe('an unknown member_id is answered from a short negative cache', () => {
  let temporal: ReturnType<typeof countingTemporal>;
  let gateway: RecordingGateway;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    temporal = countingTemporal();
    gateway = new RecordingGateway();
    app = await buildApp({
      config: testConfig(),
      logger: { level: 'silent' },
      portals: createTemporalPortalStore({ client: temporal.client, taskQueue: 'q', negativeTtlMs: 5_000 }),
      workflows: gateway,
      installVerifier: new FakeVerifier(),
      temporalHealth: async () => true,
    });
  });

  const robotCall = () =>
    app!.inject({ method: 'POST', url: '/bitrix24/bizproc', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: robotCallBody() });

  it('asks Temporal once per interval, not once per delivery', async () => {
    for (let delivery = 0; delivery < 50; delivery += 1) expect((await robotCall()).statusCode).toBe(401);
    expect(temporal.asked).toEqual([`portal/${MEMBER_ID}`]);
    vi.setSystemTime(Date.now() + 5_001);
    expect((await robotCall()).statusCode).toBe(401);
    expect(temporal.asked).toHaveLength(2);
    expect(gateway.robotStarts).toEqual([]);
  });

  it('is forgotten by an install: the portal\'s next delivery is accepted at once', async () => {
    expect((await robotCall()).statusCode).toBe(401);
    const install = await app!.inject({
      method: 'POST',
      url: '/bitrix24/install',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: installBody(),
    });
    expect(install.statusCode).toBe(200);
    expect((await robotCall()).statusCode).toBe(200);
    expect(gateway.robotStarts).toHaveLength(1);
  });
});
