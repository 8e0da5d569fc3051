import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SA_PROCESS } from '../../contracts/search-attributes.js';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { createDataConverter } from '../../lib/data-converter.js';
import { createTemporalPortalStore } from '../../lib/portals/temporal-store.js';
import { installForTokens } from '../emulator/helpers.js';
import { createLocalEnv } from '../support/temporal-binaries.js';
import { createTestWorker, uniqueTaskQueue } from '../support/workflow-bundle.js';
import { PUBLIC_URL, WRITE_METHODS } from './helpers.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `npm run provision` end to end: a real Temporal dev server holds the portal's credentials in the portal workflow
 * (served by an in-process worker), the CLI runs as its own process against the emulated portal.
 */
describe('scripts/provision.ts', () => {
  const payloadKey = randomBytes(32).toString('base64');
  const taskQueue = uniqueTaskQueue('provision-cli');
  let env: TestWorkflowEnvironment;
  let emulator: Bitrix24Emulator;
  let worker: Worker;
  let workerRun: Promise<void>;

  const runCli = (...args: string[]): Promise<CliRun> =>
    new Promise((resolveRun) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'scripts/provision.ts', ...args],
        {
          cwd: repoRoot,
          timeout: 60_000,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            LOG_LEVEL: 'warn',
            PUBLIC_URL,
            TEMPORAL_ADDRESS: env.address,
            TEMPORAL_NAMESPACE: env.namespace ?? 'default',
            TEMPORAL_TASK_QUEUE: taskQueue,
            PAYLOAD_CODEC_KEY: payloadKey,
          },
        },
        (error, stdout, stderr) => resolveRun({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    const dataConverter = createDataConverter(payloadKey);
    env = await createLocalEnv({ dataConverter });
    emulator = await startBitrix24Emulator({ rateLimit: false });
    worker = await createTestWorker(env, {
      taskQueue,
      dataConverter,
      activities: {},
    });
    workerRun = worker.run();
    const { accessToken, refreshToken } = await installForTokens(emulator);
    await createTemporalPortalStore({ client: env.client, taskQueue }).install({
      memberId: emulator.memberId,
      domain: emulator.domain,
      clientEndpoint: emulator.clientEndpoint,
      serverEndpoint: emulator.serverEndpoint,
      applicationToken: emulator.applicationToken,
      accessToken,
      refreshToken,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      scope: 'crm,bizproc,placement,userfieldconfig',
    });
    // Finding a portal by domain goes through visibility, which indexes the new workflow asynchronously.
    const query = `${SA_PROCESS.name} = 'portal-credentials'`;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await env.client.workflow.count(query)).count > 0) break;
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
  }, 120_000);

  afterAll(async () => {
    worker?.shutdown();
    await workerRun;
    await emulator?.close();
    await env?.teardown();
  });

  it('prints the plan for an empty portal on a dry run, found by domain, and writes nothing', async () => {
    const before = emulator.calls.length;
    const run = await runCli('--portal', `https://${emulator.domain}/`, '--dry-run');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Portal ${emulator.memberId} (${emulator.domain}) — dry run, nothing is written`);
    expect(run.stdout).toContain('+ smart process "Claim"');
    expect(run.stdout).toContain(`+ event ONCRMDEALADD → ${PUBLIC_URL}/bitrix24/events`);
    expect(run.stdout).toContain('+ event ONCRMDEALADD (offline)');
    expect(emulator.calls.slice(before).filter((call) => WRITE_METHODS.has(call.method))).toEqual([]);
    if (process.env.SHOW_DRY_RUN) process.stdout.write(run.stdout);
  }, 60_000);

  it('applies with progress, then finds nothing to do', async () => {
    const run = await runCli('--portal', emulator.memberId);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\[1\/\d+\] add smart process "Claim": done/);
    expect(run.stdout).toMatch(/Done: \d+ added, 0 updated, 0 removed\./);
    expect(emulator.state.placements).toHaveLength(2);

    const again = await runCli('--portal', emulator.memberId);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to do: the portal matches the declaration.');
  }, 60_000);

  it('exits non-zero with the Bitrix24 error when a step fails, and for an unknown portal', async () => {
    emulator.injectFailure({ method: 'bizproc.robot.update', times: 1, status: 400, error: 'ERROR_ACTIVITY_VALIDATION_FAILURE', description: 'Wrong properties array!' });
    const failed = await runCli('--portal', emulator.memberId, '--reassert');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/update robot \S+: failed/);
    expect(failed.stderr).toMatch(/provisioning failed at update robot \S+: Bitrix24 bizproc\.robot\.update: ERROR_ACTIVITY_VALIDATION_FAILURE - Wrong properties array!/);

    const unknown = await runCli('--portal', 'nowhere.bitrix24.com');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no installed portal with member_id or domain "nowhere.bitrix24.com"');
  }, 60_000);
});
