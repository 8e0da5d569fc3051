import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBitrix24Client } from '../../integrations/bitrix24/client.js';
import { createDataConverter } from '../../lib/data-converter.js';
import { createTemporalPortalStore } from '../../lib/portals/temporal-store.js';
import { createLocalEnv } from '../support/temporal-binaries.js';
import { testActivities } from '../support/test-activities.js';
import { recordingBitrix24 } from '../support/recording-bitrix24.js';
import { createTestWorker, uniqueTaskQueue } from '../support/workflow-bundle.js';

const ACCESS_TOKEN = 'move-access-SECRET-61bd';

interface Portal {
  origin: string;
  host: string;
  paths: string[];
}

// Tokens live in the portal workflow: its payloads are encrypted here as in production.
const dataConverter = createDataConverter(Buffer.alloc(32, 3).toString('base64'));
let env: TestWorkflowEnvironment;
const servers: Server[] = [];

beforeAll(async () => {
  env = await createLocalEnv({ dataConverter });
}, 120_000);

afterAll(async () => {
  for (const server of servers) server.close();
  await env?.teardown();
});

/** A loopback portal: answers REST calls made with the stored token, or redirects every call to `movedTo`. */
async function portal(movedTo?: () => string): Promise<Portal> {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      paths.push(request.url ?? '');
      if (movedTo) {
        response.writeHead(302, { location: `${movedTo()}${request.url ?? ''}` }).end();
        return;
      }
      const { auth } = JSON.parse(body || '{}') as { auth?: string };
      const answer = auth === ACCESS_TOKEN ? { result: { ID: 1 } } : { error: 'NO_AUTH_FOUND', error_description: 'no auth' };
      response.writeHead(auth === ACCESS_TOKEN ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin: `http://${host}`, host, paths };
}

describe('a moved portal, remembered in its portal workflow (dev server)', () => {
  it('follows the redirect to the allowed new domain, stores the new address, and the next process calls it directly', async () => {
    const moved = await portal();
    const old = await portal(() => moved.origin);
    const taskQueue = uniqueTaskQueue('portal-move');
    const memberId = `member-move-${Date.now()}`;
    const worker = await createTestWorker(env, {
      taskQueue,
      dataConverter,
      activities: testActivities({ bitrix24: recordingBitrix24() }),
    });
    await worker.runUntil(async () => {
      const store = createTemporalPortalStore({ client: env.client, taskQueue });
      await store.install({
        memberId,
        domain: old.host,
        clientEndpoint: `${old.origin}/rest/`,
        serverEndpoint: 'https://oauth.bitrix.info/rest/',
        applicationToken: 'app-token',
        accessToken: ACCESS_TOKEN,
        refreshToken: 'refresh-token',
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
        scope: 'crm',
      });
      const allowedDomains = [old.host, moved.host];
      const first = createBitrix24Client({ store, allowedDomains, logger: pino({ level: 'silent' }) });
      await expect(first.call(memberId, 'user.current')).resolves.toEqual({ ID: 1 });
      await first.close();

      // A fresh store (another process): it reads the portal workflow, not the first process's cache.
      const elsewhere = createTemporalPortalStore({ client: env.client, taskQueue });
      expect(await elsewhere.find(memberId)).toMatchObject({
        domain: moved.host,
        clientEndpoint: `${moved.origin}/rest/`,
        accessToken: ACCESS_TOKEN,
        version: 1,
      });
      const second = createBitrix24Client({ store: elsewhere, allowedDomains, logger: pino({ level: 'silent' }) });
      await second.call(memberId, 'user.current');
      await second.close();
      expect(old.paths).toEqual(['/rest/user.current']);
      expect(moved.paths).toEqual(['/rest/user.current', '/rest/user.current']);

      // The workflow itself refuses an address that is not on the named domain.
      const refused = await elsewhere.move(memberId, { domain: moved.host, clientEndpoint: 'https://evil.example/rest/' }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((await elsewhere.find(memberId))?.clientEndpoint).toBe(`${moved.origin}/rest/`);
    });
  }, 120_000);
});
