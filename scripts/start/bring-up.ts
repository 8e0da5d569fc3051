import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes.js';
import type { StackPlan } from './child-env.js';
import { devServerArgs } from './dev-server.js';
import { installAppIntoEmulator } from './emulator-install.js';
import type { ProcessSupervisor } from './process-supervisor.js';
import { probeHttpOk, probeTcp, probeTemporalNamespace, waitUntil } from './readiness.js';
import { LOOPBACK, simulatorUrl, type SimulatorSpec } from './services.js';

export const ENTRIES = {
  emulator: 'emulators/bitrix24/main.ts',
  worker: 'worker/main.ts',
  api: 'api/server.ts',
} as const;

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
}

async function assertPortFree(port: number, owner: string): Promise<void> {
  if (await probeTcp(LOOPBACK, port)) {
    throw new PortInUseError(`${LOOPBACK}:${port} (${owner}) is already in use: is another stack still running?`);
  }
}

export interface Stack {
  repoRoot: string;
  dataDir: string;
  say: (message: string) => void;
  plan: StackPlan;
  temporalCli: string;
  apiPort: number;
  childEnv: NodeJS.ProcessEnv;
  runEmulator: boolean;
  supervisor: ProcessSupervisor;
  signal: AbortSignal;
}

function startTypeScriptChild(stack: Stack, name: string, entry: string): boolean {
  if (!existsSync(join(stack.repoRoot, entry))) {
    stack.say(`WARNING: ${entry} does not exist yet, so ${name} is not started.`);
    return false;
  }
  stack.supervisor.start({ name, command: process.execPath, args: ['--import', 'tsx', entry], env: stack.childEnv, cwd: stack.repoRoot });
  return true;
}

async function startTemporal(stack: Stack): Promise<void> {
  await assertPortFree(stack.plan.temporalPort, 'Temporal gRPC');
  await assertPortFree(stack.plan.temporalUiPort, 'Temporal Web UI');
  const args = devServerArgs({
    ip: LOOPBACK,
    port: stack.plan.temporalPort,
    uiPort: stack.plan.temporalUiPort,
    dbFilename: join(stack.dataDir, 'temporal.sqlite'),
    namespace: stack.plan.temporalNamespace,
    searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
    codecEndpoint: `http://${LOOPBACK}:${stack.apiPort}/codec`,
  });
  stack.say('Starting the Temporal dev server (state in .data/temporal.sqlite)...');
  stack.supervisor.start({ name: 'temporal', command: stack.temporalCli, args, cwd: stack.repoRoot });
  await waitUntil(() => probeTemporalNamespace(stack.plan.temporalAddress, stack.plan.temporalNamespace), {
    what: 'the Temporal dev server',
    timeoutMs: 60_000,
    signal: stack.signal,
  });
}

async function startEmulatorAndSimulators(stack: Stack): Promise<void> {
  // A later step may fail while earlier children are still coming up; their waits then end with the abort and must
  // not become unhandled rejections (which would kill this process before it stops its children in order).
  const waits: Promise<void>[] = [];
  const track = (wait: Promise<void>) => {
    wait.catch(() => undefined);
    waits.push(wait);
  };
  if (stack.runEmulator) {
    await assertPortFree(stack.plan.emulatorPort, 'Bitrix24 emulator');
    if (startTypeScriptChild(stack, 'emulator', ENTRIES.emulator)) {
      track(waitForPort(stack, stack.plan.emulatorPort, 'the Bitrix24 emulator'));
    }
  }
  for (const simulator of stack.plan.simulators) {
    await assertPortFree(simulator.port, `${simulator.name} simulator`);
    startTypeScriptChild(stack, simulator.name, simulator.entry);
    track(waitForPort(stack, simulator.port, `the ${simulator.name} simulator`));
  }
  await Promise.all(waits);
}

function waitForPort(stack: Stack, port: number, what: string): Promise<void> {
  return waitUntil(() => probeTcp(LOOPBACK, port), { what, timeoutMs: 30_000, signal: stack.signal });
}

async function startWorkerAndApi(stack: Stack): Promise<boolean> {
  await assertPortFree(stack.apiPort, 'API');
  startTypeScriptChild(stack, 'worker', ENTRIES.worker);
  if (!startTypeScriptChild(stack, 'api', ENTRIES.api)) return false;
  await waitUntil(() => probeHttpOk(`http://${LOOPBACK}:${stack.apiPort}/readyz`), {
    what: 'the API (/readyz)',
    timeoutMs: 90_000,
    signal: stack.signal,
  });
  return true;
}

function printUrls(stack: Stack, simulators: readonly SimulatorSpec[]): void {
  const emulatorUrl = `http://${LOOPBACK}:${stack.plan.emulatorPort}`;
  const lines = [
    'b24-temporal is running:',
    `  API                 http://${LOOPBACK}:${stack.apiPort}`,
    `  Temporal Web UI     ${stack.plan.temporalUiUrl}`,
    `  Temporal gRPC       ${stack.plan.temporalAddress} (namespace ${stack.plan.temporalNamespace})`,
  ];
  if (stack.runEmulator) {
    lines.push(`  Bitrix24 emulator   ${emulatorUrl}  (control API ${emulatorUrl}/_emulator)`);
  }
  for (const simulator of simulators) lines.push(`  ${`${simulator.name} simulator`.padEnd(20)}${simulatorUrl(simulator)}`);
  lines.push('Press Ctrl-C to stop everything.');
  for (const line of lines) stack.say(line);
}

/** Dev server, then emulator and simulators, then worker and API, then the app install; each waits for readiness. */
export async function bringUp(stack: Stack): Promise<void> {
  await startTemporal(stack);
  await startEmulatorAndSimulators(stack);
  const apiReady = await startWorkerAndApi(stack);
  if (stack.runEmulator && apiReady && stack.supervisor.isRunning('emulator')) {
    const installUrl = `http://${LOOPBACK}:${stack.apiPort}/bitrix24/install`;
    stack.say(`Installing the app into the emulator (${installUrl})...`);
    await installAppIntoEmulator(`http://${LOOPBACK}:${stack.plan.emulatorPort}`, installUrl);
  }
  printUrls(stack, stack.plan.simulators);
}
