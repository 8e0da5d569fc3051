import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { probeTcp, waitUntil } from '../start/readiness.js';

export interface TemporalServerProcessOptions {
  binary: string;
  env: NodeJS.ProcessEnv;
  frontendPort: number;
  /** Every line the server prints goes here (it logs JSON at info: too much for a test's output). */
  logFile: string;
}

/** `temporal-server start`, as the temporalio/server image runs it: configuration from the environment only. */
export interface TemporalServerProcess {
  readonly pid: number | undefined;
  /** Starts it and resolves once the frontend port accepts connections (the compose healthcheck's test). */
  start(): Promise<void>;
  /** Stops it with `signal` (SIGKILL after 30 s) and resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** The last lines it printed, for error messages. */
  tail(lines?: number): string;
}

export function temporalServerProcess(options: TemporalServerProcessOptions): TemporalServerProcess {
  let child: ChildProcess | undefined;
  let recent: string[] = [];

  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  return {
    get pid() {
      return running() ? child?.pid : undefined;
    },
    async start() {
      if (running()) throw new Error('the Temporal server is already running');
      recent = [];
      const started = spawn(options.binary, ['start'], { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      const collect = (chunk: Buffer) => {
        appendFileSync(options.logFile, chunk);
        recent.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        if (recent.length > 200) recent = recent.slice(-100);
      };
      started.stdout?.on('data', collect);
      started.stderr?.on('data', collect);
      const died = new AbortController();
      started.once('exit', (code, signal) => died.abort(new Error(`the Temporal server exited (${code ?? signal}):\n${recent.slice(-30).join('\n')}`)));
      await waitUntil(() => probeTcp('127.0.0.1', options.frontendPort), { what: 'the Temporal frontend', timeoutMs: 90_000, signal: died.signal });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const current = child;
      if (!current || !running()) return;
      const exited = new Promise<void>((resolveExit) => current.once('exit', () => resolveExit()));
      current.kill(signal);
      const force = setTimeout(() => current.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(force);
    },
    tail: (lines = 30) => recent.slice(-lines).join('\n'),
  };
}
