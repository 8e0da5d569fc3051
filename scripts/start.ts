// `npm start`: the whole stack on loopback as child processes (Temporal dev server, emulator and simulators when no
// portal is configured, worker, API), stopped in order on Ctrl-C. Its own lines go to stdout next to the children's,
// prefixed like theirs, because this is an interactive developer tool rather than a service.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../contracts/search-attributes.js';
import { buildChildEnv, isEmulatorMode, type StackPlan } from './start/child-env.js';
import { devServerArgs } from './start/dev-server.js';
import { installAppIntoEmulator } from './start/emulator-install.js';
import { childPrefix } from './start/line-prefixer.js';
import { ensurePayloadCodecKey } from './start/payload-codec-key.js';
import { ProcessSupervisor, type ChildExit } from './start/process-supervisor.js';
import { probeHttpOk, probeTcp, probeTemporalNamespace, waitUntil } from './start/readiness.js';
import { availableSimulators, DEFAULT_PORTS, LOOPBACK, simulatorUrl, type SimulatorSpec } from './start/services.js';
import { ensureTemporalBinaries } from './start/temporal-binaries.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(repoRoot, '.data');
const PREFIX_WIDTH = 9;
const ENTRIES = {
  emulator: 'emulators/bitrix24/main.ts',
  worker: 'worker/main.ts',
  api: 'api/server.ts',
} as const;

class StartError extends Error {
  override readonly name = 'StartError';
}

function say(message: string): void {
  process.stdout.write(`${childPrefix('start', PREFIX_WIDTH)}${message}\n`);
}

function describeExit(exit: ChildExit): string {
  if (exit.error) return `${exit.name} could not be started: ${exit.error.message}`;
  return `${exit.name} exited unexpectedly (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`})`;
}

function loadDotEnv(): void {
  const envFile = join(repoRoot, '.env');
  if (!existsSync(envFile)) return;
  process.loadEnvFile(envFile);
  say('Loaded .env');
}

async function assertPortFree(port: number, owner: string): Promise<void> {
  if (await probeTcp(LOOPBACK, port)) {
    throw new StartError(`${LOOPBACK}:${port} (${owner}) is already in use: is another stack still running?`);
  }
}

interface Stack {
  plan: StackPlan;
  temporalCli: string;
  apiPort: number;
  childEnv: NodeJS.ProcessEnv;
  runEmulator: boolean;
  supervisor: ProcessSupervisor;
  signal: AbortSignal;
}

function startTypeScriptChild(stack: Stack, name: string, entry: string): boolean {
  if (!existsSync(join(repoRoot, entry))) {
    say(`WARNING: ${entry} does not exist yet, so ${name} is not started.`);
    return false;
  }
  stack.supervisor.start({ name, command: process.execPath, args: ['--import', 'tsx', entry], env: stack.childEnv, cwd: repoRoot });
  return true;
}

async function startTemporal(stack: Stack): Promise<void> {
  await assertPortFree(DEFAULT_PORTS.temporal, 'Temporal gRPC');
  await assertPortFree(DEFAULT_PORTS.temporalUi, 'Temporal Web UI');
  const args = devServerArgs({
    ip: LOOPBACK,
    port: DEFAULT_PORTS.temporal,
    uiPort: DEFAULT_PORTS.temporalUi,
    dbFilename: join(dataDir, 'temporal.sqlite'),
    namespace: stack.plan.temporalNamespace,
    searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
  });
  say('Starting the Temporal dev server (state in .data/temporal.sqlite)...');
  stack.supervisor.start({ name: 'temporal', command: stack.temporalCli, args, cwd: repoRoot });
  await waitUntil(() => probeTemporalNamespace(stack.plan.temporalAddress, stack.plan.temporalNamespace), {
    what: 'the Temporal dev server',
    timeoutMs: 60_000,
    signal: stack.signal,
  });
}

async function startEmulatorAndSimulators(stack: Stack): Promise<void> {
  const waits: Promise<void>[] = [];
  if (stack.runEmulator) {
    await assertPortFree(stack.plan.emulatorPort, 'Bitrix24 emulator');
    if (startTypeScriptChild(stack, 'emulator', ENTRIES.emulator)) {
      waits.push(waitForPort(stack, stack.plan.emulatorPort, 'the Bitrix24 emulator'));
    }
  }
  for (const simulator of stack.plan.simulators) {
    await assertPortFree(simulator.port, `${simulator.name} simulator`);
    startTypeScriptChild(stack, simulator.name, simulator.entry);
    waits.push(waitForPort(stack, simulator.port, `the ${simulator.name} simulator`));
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
  for (const line of lines) say(line);
}

async function bringUp(stack: Stack): Promise<void> {
  await startTemporal(stack);
  await startEmulatorAndSimulators(stack);
  const apiReady = await startWorkerAndApi(stack);
  if (stack.runEmulator && apiReady && stack.supervisor.isRunning('emulator')) {
    const installUrl = `http://${LOOPBACK}:${stack.apiPort}/bitrix24/install`;
    say(`Installing the app into the emulator (${installUrl})...`);
    await installAppIntoEmulator(`http://${LOOPBACK}:${stack.plan.emulatorPort}`, installUrl);
  }
  printUrls(stack, stack.plan.simulators);
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function main(): Promise<number> {
  const { temporalCli } = ensureTemporalBinaries(repoRoot);
  loadDotEnv();
  mkdirSync(dataDir, { recursive: true });
  const codecKey = ensurePayloadCodecKey(process.env, join(dataDir, 'payload-codec.key'));
  process.env.PAYLOAD_CODEC_KEY = codecKey.key;
  if (codecKey.source !== 'environment') say(`PAYLOAD_CODEC_KEY is not set: using the local key in .data/payload-codec.key (${codecKey.source}).`);

  const emulatorMode = isEmulatorMode(process.env);
  const plan: StackPlan = {
    emulatorMode,
    temporalAddress: `${LOOPBACK}:${DEFAULT_PORTS.temporal}`,
    temporalNamespace: process.env.TEMPORAL_NAMESPACE || 'default',
    temporalUiUrl: `http://${LOOPBACK}:${DEFAULT_PORTS.temporalUi}`,
    emulatorPort: Number(process.env.EMULATOR_PORT || DEFAULT_PORTS.emulator),
    simulators: emulatorMode ? availableSimulators(repoRoot) : [],
  };
  say(emulatorMode ? 'No portal configured: using the Bitrix24 emulator and the simulators.' : 'Portal configured: no emulator.');

  const failure = new AbortController();
  const shutdown = new AbortController();
  const supervisor = new ProcessSupervisor({
    prefixWidth: PREFIX_WIDTH,
    onUnexpectedExit: (exit) => {
      if (stack.signal.aborted) return;
      say(`${describeExit(exit)}: stopping everything.`);
      failure.abort(new StartError(describeExit(exit)));
    },
  });
  process.on('exit', () => supervisor.killAllNow());
  let firstSignalAt = 0;
  for (const signalName of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signalName, () => {
      // Ctrl-C reaches us twice at once (from the terminal and relayed by tsx): only a later one means "hurry".
      if (shutdown.signal.aborted && Date.now() - firstSignalAt < 1_000) return;
      if (shutdown.signal.aborted) {
        say('Second signal: killing everything now.');
        supervisor.killAllNow();
        process.exit(1);
      }
      firstSignalAt = Date.now();
      say(`${signalName} received: stopping (press Ctrl-C again to kill everything at once)...`);
      shutdown.abort();
    });
  }

  const stack: Stack = {
    plan,
    temporalCli,
    apiPort: Number(process.env.PORT || DEFAULT_PORTS.api),
    childEnv: buildChildEnv(process.env, plan),
    runEmulator: emulatorMode,
    supervisor,
    signal: AbortSignal.any([failure.signal, shutdown.signal]),
  };
  try {
    await bringUp(stack);
    await untilAborted(stack.signal);
  } catch (error) {
    if (!stack.signal.aborted) failure.abort(error);
  }

  await supervisor.stopInOrder([['api', 'worker'], ['emulator', ...plan.simulators.map((simulator) => simulator.name)], ['temporal']]);
  if (failure.signal.aborted) {
    const reason: unknown = failure.signal.reason;
    say(`Stopped everything because ${reason instanceof Error ? reason.message : String(reason)}`);
    return 1;
  }
  say('Stopped everything cleanly.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
