import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type Stack } from '../../test/support/stack.js';
import { serviceNodeArgs, waitForHttpOk } from '../../test/support/service-process.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BenchApi {
  url: string;
  taskQueue: string;
  /** The process's CPU time so far (user and system), as its own `/metrics` reports it. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

const CPU_SECONDS = /^process_cpu_seconds_total (\S+)$/m;

/**
 * A second API process of the stack, started from its real entry point, whose task queue no worker polls: its robot
 * starts and entity signals are recorded by Temporal and then wait, so the ingress is measured without workflow
 * execution competing for the two cores (the raw client path creates the same waiting work). Its log lines go to
 * /dev/null: pino still writes them (a cost production pays), the harness does not read them.
 */
export async function startUnpolledApi(stack: Stack, env: NodeJS.ProcessEnv = {}): Promise<BenchApi> {
  const port = await freePort();
  const metricsPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const taskQueue = `${stack.env.TEMPORAL_TASK_QUEUE ?? 'bench'}-unpolled`;
  const child: ChildProcess = spawn(process.execPath, serviceNodeArgs('api/server.ts'), {
    cwd: repoRoot,
    env: { ...stack.env, PORT: String(port), API_METRICS_PORT: String(metricsPort), PUBLIC_URL: url, TEMPORAL_TASK_QUEUE: taskQueue, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(force);
  };
  try {
    await waitForHttpOk(`${url}/readyz`, 60_000);
  } catch (error) {
    await stop();
    throw new Error(`bench API did not start: ${stderr.join('').slice(-2000)}`, { cause: error });
  }
  const cpuSeconds = async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const match = CPU_SECONDS.exec(text);
    if (!match?.[1]) throw new Error('the bench API reported no process_cpu_seconds_total');
    return Number(match[1]);
  };
  return { url, taskQueue, cpuSeconds, stop };
}
