import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../../contracts/search-attributes.js';
import { devServerArgs } from '../../../scripts/start/dev-server.js';
import { ProcessSupervisor, type ChildExit } from '../../../scripts/start/process-supervisor.js';
import { probeTcp, probeTemporalNamespace, waitUntil } from '../../../scripts/start/readiness.js';
import { temporalCliPath } from '../../support/temporal-binaries.js';

// temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD; @temporalio/proto is not a direct dependency.
const INDEXED_VALUE_TYPE_KEYWORD = 2;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const dataDir = mkdtempSync(join(tmpdir(), 'dev-server-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Starts the dev server exactly as `npm start` does, checks it, and stops it. */
async function startCheckAndStop(
  check: (client: Client) => Promise<void>,
): Promise<{ customAttributes: Record<string, number>; unexpected: ChildExit[]; exit: ChildExit | undefined }> {
  const [port, uiPort] = [await freePort(), await freePort()];
  const unexpected: ChildExit[] = [];
  const supervisor = new ProcessSupervisor({ write: () => {}, onUnexpectedExit: (exit) => unexpected.push(exit) });
  const args = devServerArgs({
    ip: '127.0.0.1',
    port,
    uiPort,
    dbFilename: join(dataDir, 'temporal.sqlite'),
    namespace: 'default',
    searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
  });
  supervisor.start({ name: 'temporal', command: temporalCliPath(), args });
  try {
    await waitUntil(() => probeTemporalNamespace(`127.0.0.1:${port}`, 'default'), { what: 'dev server', timeoutMs: 60_000 });
    expect(await probeTcp('127.0.0.1', uiPort)).toBe(true);
    const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      await check(new Client({ connection, namespace: 'default' }));
      return { customAttributes, unexpected, exit: (await supervisor.stop(['temporal']))[0] };
    } finally {
      await connection.close();
    }
  } finally {
    await supervisor.stop(['temporal']);
  }
}

describe('the dev server as npm start runs it', () => {
  it('registers the search attributes, persists to SQLite, and restarts on the same file with the same flags', async () => {
    const workflowId = 'survives-a-restart';
    const startsAWorkflow = async (client: Client) => {
      await client.workflow.start('noWorkerNeeded', { taskQueue: 'dev-server-test', workflowId });
    };
    const findsItAgain = async (client: Client) => {
      expect((await client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
    };
    for (const [attempt, check] of [
      ['first start', startsAWorkflow],
      ['restart on the existing DB', findsItAgain],
    ] as const) {
      const { customAttributes, unexpected, exit } = await startCheckAndStop(check);
      for (const { name } of CUSTOM_SEARCH_ATTRIBUTES) {
        expect(customAttributes[name], `${attempt}: ${name}`).toBe(INDEXED_VALUE_TYPE_KEYWORD);
      }
      expect(unexpected, attempt).toEqual([]);
      expect(exit?.signal === 'SIGTERM' || exit?.code === 0, `${attempt}: stops on SIGTERM (${JSON.stringify(exit)})`).toBe(true);
    }
  }, 180_000);
});
