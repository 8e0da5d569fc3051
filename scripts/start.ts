// `npm start`: the whole stack on loopback as child processes (Temporal dev server, emulator and simulators when no
// portal is configured, worker, API), stopped in order on Ctrl-C, or when start-up fails half-way. It continues the
// previous run kept in .data/ (dev server database and emulated portal together), or with --fresh sets both aside.
// Its own lines go to stdout next to the children's, prefixed like theirs: an interactive developer tool, not a service.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Stack } from './start/bring-up.js';
import { buildChildEnv, isEmulatorMode, type StackPlan } from './start/child-env.js';
import { applyLocalStatePlan, describeLocalStatePlan, LOCAL_STATE_FILES, localStateFacts, planLocalState } from './start/local-state.js';
import { createLineFormatter, outputModeFor } from './start/line-prefixer.js';
import { ensurePayloadCodecKey } from './start/payload-codec-key.js';
import { ProcessSupervisor, type ChildExit } from './start/process-supervisor.js';
import { probeTcp } from './start/readiness.js';
import { runStack } from './start/run-stack.js';
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

/** `npm start -- --fresh` sets the previous run aside; any other argument is a typo worth stopping for. */
function parseArguments(args: readonly string[]): { fresh: boolean } {
  const unknown = args.filter((arg) => arg !== '--fresh');
  if (unknown.length > 0) throw new StartError(`unknown argument ${unknown.join(' ')} (npm start takes only --fresh)`);
  return { fresh: args.includes('--fresh') };
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
  const { fresh } = parseArguments(process.argv.slice(2));
  const { temporalCli } = ensureTemporalBinaries(repoRoot);
  loadDotEnv();
  mkdirSync(dataDir, { recursive: true });
  const codecKey = ensurePayloadCodecKey(process.env, join(dataDir, 'payload-codec.key'));
  process.env.PAYLOAD_CODEC_KEY = codecKey.key;
  if (codecKey.source !== 'environment') say(`PAYLOAD_CODEC_KEY is not set: using the local key in .data/payload-codec.key (${codecKey.source}).`);

  const emulatorMode = isEmulatorMode(process.env);
  const localState = planLocalState(localStateFacts(dataDir, emulatorMode, fresh));
  if (localState.kind === 'fresh' && localState.setAside.length > 0 && (await probeTcp(LOOPBACK, DEFAULT_PORTS.temporal))) {
    // Another stack may be running on these very files: moving them would pull its database away under it.
    throw new StartError(`${LOOPBACK}:${DEFAULT_PORTS.temporal} is in use: stop the other stack before starting fresh`);
  }
  const setAside = applyLocalStatePlan(dataDir, localState);
  say(describeLocalStatePlan(localState, setAside && relative(repoRoot, setAside)));
  const plan: StackPlan = {
    emulatorMode,
    temporalPort: DEFAULT_PORTS.temporal,
    temporalUiPort: DEFAULT_PORTS.temporalUi,
    temporalAddress: `${LOOPBACK}:${DEFAULT_PORTS.temporal}`,
    temporalNamespace: process.env.TEMPORAL_NAMESPACE || 'default',
    temporalUiUrl: `http://${LOOPBACK}:${DEFAULT_PORTS.temporalUi}`,
    emulatorPort: Number(process.env.EMULATOR_PORT || DEFAULT_PORTS.emulator),
    ...(emulatorMode ? { emulatorStateFile: join(dataDir, LOCAL_STATE_FILES.emulator) } : {}),
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
  const outcome = await runStack(stack, failure);
  if ('failure' in outcome) {
    const reason = outcome.failure;
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
