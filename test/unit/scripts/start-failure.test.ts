import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PortInUseError, type Stack } from '../../../scripts/start/bring-up.js';
import { buildChildEnv, type StackPlan } from '../../../scripts/start/child-env.js';
import { ProcessSupervisor } from '../../../scripts/start/process-supervisor.js';
import { probeTcp } from '../../../scripts/start/readiness.js';
import { runStack } from '../../../scripts/start/run-stack.js';
import { LOOPBACK, SIMULATORS } from '../../../scripts/start/services.js';
import { freePort } from '../../support/stack.js';
import { temporalCliPath } from '../../support/temporal-binaries.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function holdPort(port: number): Promise<Server> {
  return new Promise((resolveServer, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => resolveServer(server));
  });
}

/** Records the process id of every child as it starts, so the test can check each one is gone afterwards. */
class WatchedSupervisor extends ProcessSupervisor {
  readonly started = new Map<string, number>();
  override start(spec: Parameters<ProcessSupervisor['start']>[0]): void {
    super.start(spec);
    const pid = this.pidOf(spec.name);
    if (pid !== undefined) this.started.set(spec.name, pid);
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('npm start failing half-way', () => {
  it('stops every child it had started when a later step finds its port taken, and frees their ports', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'start-failure-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const simulators = await Promise.all(SIMULATORS.map(async (simulator) => ({ ...simulator, port: await freePort() })));
    const plan: StackPlan = {
      emulatorMode: true,
      temporalPort: await freePort(),
      temporalUiPort: await freePort(),
      temporalAddress: '',
      temporalNamespace: 'default',
      temporalUiUrl: '',
      emulatorPort: await freePort(),
      emulatorStateFile: join(dataDir, 'emulator.json'),
      simulators,
    };
    plan.temporalAddress = `${LOOPBACK}:${plan.temporalPort}`;
    plan.temporalUiUrl = `http://${LOOPBACK}:${plan.temporalUiPort}`;
    // The last simulator's port is taken: everything before it is already up when start-up fails.
    const blocked = simulators.at(-1)!;
    const holder = await holdPort(blocked.port);
    cleanups.push(() => new Promise<void>((done) => holder.close(() => done())));

    const lines: string[] = [];
    const failure = new AbortController();
    const supervisor = new WatchedSupervisor({
      write: (text) => lines.push(text),
      stopTimeoutMs: 15_000,
      onUnexpectedExit: (exit) => failure.abort(new Error(`${exit.name} exited unexpectedly`)),
    });
    cleanups.push(() => supervisor.killAllNow());
    const stack: Stack = {
      repoRoot,
      dataDir,
      say: (message) => lines.push(message),
      plan,
      temporalCli: temporalCliPath(),
      apiPort: await freePort(),
      childEnv: buildChildEnv({ ...process.env, PAYLOAD_CODEC_KEY: Buffer.alloc(32, 1).toString('base64') }, plan),
      runEmulator: true,
      supervisor,
      signal: failure.signal,
    };

    const outcome = await runStack(stack, failure);

    expect(outcome.failure).toBeInstanceOf(PortInUseError);
    expect(String((outcome.failure as Error).message)).toContain(`${blocked.port} (${blocked.name} simulator)`);
    const earlier = ['temporal', 'emulator', ...simulators.slice(0, -1).map((simulator) => simulator.name)];
    expect([...supervisor.started.keys()].sort()).toEqual([...earlier].sort());
    expect(supervisor.runningNames()).toEqual([]);
    for (const [name, pid] of supervisor.started) expect(isAlive(pid), `${name} (pid ${pid}) still runs`).toBe(false);
    const ports = [plan.temporalPort, plan.temporalUiPort, plan.emulatorPort, ...simulators.slice(0, -1).map((simulator) => simulator.port)];
    for (const port of ports) expect(await probeTcp(LOOPBACK, port), `port ${port} is still held`).toBe(false);
  }, 120_000);
});
