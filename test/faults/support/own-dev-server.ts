import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../../contracts/search-attributes.js';
import { devServerArgs } from '../../../scripts/start/dev-server.js';
import { probeTemporalNamespace, waitUntil } from '../../../scripts/start/readiness.js';
import { freePort } from '../../support/stack.js';
import { temporalCliPath } from '../../support/temporal-binaries.js';

/** A Temporal dev server this test owns: its database is a file, so it can be stopped and started again on it. */
export interface OwnDevServer {
  address: string;
  namespace: string;
  dbFilename: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and database file; resolves once the namespace answers. */
  start(): Promise<void>;
  /** Stops it and deletes the database. */
  dispose(): Promise<void>;
}

export async function startOwnDevServer(): Promise<OwnDevServer> {
  const directory = await mkdtemp(join(tmpdir(), 'b24-faults-temporal-'));
  const options = {
    ip: '127.0.0.1',
    port: await freePort(),
    uiPort: await freePort(),
    dbFilename: join(directory, 'temporal.db'),
    namespace: 'default',
    searchAttributes: CUSTOM_SEARCH_ATTRIBUTES.map((key) => ({ name: key.name, type: key.type })),
  };
  const address = `${options.ip}:${options.port}`;
  let child: ChildProcess | undefined;
  let output: string[] = [];

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolveExit) => running.once('exit', () => resolveExit()));
    running.kill(signal);
    const force = setTimeout(() => running.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(force);
  };

  const start = async () => {
    output = [];
    const started = spawn(temporalCliPath(), devServerArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    const collect = (chunk: Buffer) => output.push(chunk.toString('utf8'));
    started.stdout?.on('data', collect);
    started.stderr?.on('data', collect);
    const died = new AbortController();
    started.once('exit', (code) => died.abort(new Error(`the dev server exited with ${code}: ${output.join('').slice(-2000)}`)));
    await waitUntil(() => probeTemporalNamespace(address, options.namespace), { what: 'the dev server', timeoutMs: 60_000, signal: died.signal });
  };

  await start();
  return {
    address,
    namespace: options.namespace,
    dbFilename: options.dbFilename,
    stop,
    start,
    async dispose() {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
