// `npm start`: the whole stack on loopback as child processes (Temporal dev server, emulator and simulators when no
// portal is configured, worker, API), stopped in order on Ctrl-C. Its own lines go to stdout next to the children's,
// prefixed like theirs, because this is an interactive developer tool rather than a service.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bringUp, type Stack } from './start/bring-up.js';
import { buildChildEnv, isEmulatorMode, type StackPlan } from './start/child-env.js';
import { createLineFormatter, outputModeFor } from './start/line-prefixer.js';
import { ensurePayloadCodecKey } from './start/payload-codec-key.js';
import { ProcessSupervisor, type ChildExit } from './start/process-supervisor.js';
import { availableSimulators, DEFAULT_PORTS, LOOPBACK } from './start/services.js';
import { ensureTemporalBinaries } from './start/temporal-binaries.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(repoRoot, '.data');
const PREFIX_WIDTH = 9;
/** Coloured, aligned text on a terminal; one JSON object per line when piped (line-prefixer.ts). */
const formatLine = createLineFormatter(outputModeFor(process.stdout), PREFIX_WIDTH);

class StartError extends Error {
  override readonly name = 'StartError';
}

function say(message: string): void {
  process.stdout.write(formatLine('start', message));
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

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** First signal: ordered shutdown. A later one: kill everything at once. */
function handleStopSignals(shutdown: AbortController, supervisor: ProcessSupervisor): void {
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
  const stopSignal = AbortSignal.any([failure.signal, shutdown.signal]);
  const supervisor = new ProcessSupervisor({
    prefixWidth: PREFIX_WIDTH,
    formatLine,
    onUnexpectedExit: (exit) => {
      if (stopSignal.aborted) return;
      say(`${describeExit(exit)}: stopping everything.`);
      failure.abort(new StartError(describeExit(exit)));
    },
  });
  process.on('exit', () => supervisor.killAllNow());
  handleStopSignals(shutdown, supervisor);

  const stack: Stack = {
    repoRoot,
    dataDir,
    say,
    plan,
    temporalCli,
    apiPort: Number(process.env.PORT || DEFAULT_PORTS.api),
    childEnv: buildChildEnv(process.env, plan),
    runEmulator: emulatorMode,
    supervisor,
    signal: stopSignal,
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
