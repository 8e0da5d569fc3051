import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One of our services (worker, API) run as its own process, exactly as `npm start` runs it. */
export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Every line it printed (stdout and stderr), for assertions such as "no token in the logs". */
  lines: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
  kill(): Promise<void>;
}

/**
 * Node's arguments for a service entry point. With BENCH_CPU_PROFILE_DIR set, each service process writes a V8 CPU
 * profile there when it exits (one file per thread: the worker's workflow threads too), for finding where a
 * benchmark's time goes; `--cpu-prof` is not allowed in NODE_OPTIONS, so it has to be an argument.
 */
export function serviceNodeArgs(entry: string): string[] {
  const profileDir = process.env.BENCH_CPU_PROFILE_DIR;
  return [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), '--import', 'tsx', entry];
}

export function startService(name: string, entry: string, env: NodeJS.ProcessEnv): ServiceProcess {
  const child = spawn(process.execPath, serviceNodeArgs(entry), { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
    if (process.env.E2E_VERBOSE) process.stderr.write(`[${name}] ${chunk.toString('utf8')}`);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timeout);
  };
  return { name, child, lines, stop, kill: () => stop('SIGKILL') };
}

export async function waitForHttpOk(url: string, timeoutMs = 60_000, service?: ServiceProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service && service.child.exitCode !== null) {
      throw new Error(`${service.name} exited early:\n${service.lines.slice(-20).join('\n')}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms${service ? `:\n${service.lines.slice(-20).join('\n')}` : ''}`);
}
