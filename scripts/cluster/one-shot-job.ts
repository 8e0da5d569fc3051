import { execFile } from 'node:child_process';
import { delimiter } from 'node:path';
import { promisify } from 'node:util';
import { ComposeError, composeService, hostPath, serviceArgv, serviceEnvironment, type ComposeFile } from './compose-file.js';

const run = promisify(execFile);

export interface OneShotJobOptions {
  compose: ComposeFile;
  /** The compose service, e.g. `temporal-schema`. */
  service: string;
  variables: Readonly<Record<string, string | undefined>>;
  /** What differs on one machine: host names and ports of the other services, paths the image has built in. */
  overrides: Record<string, string>;
  /** Folders holding the programs the image has (temporal-sql-tool, temporal), ahead of PATH. */
  programDirs: readonly string[];
  timeoutMs?: number;
}

/**
 * Runs a one-shot compose service (a schema or namespace job) as a local process: its own command with container
 * paths mapped through its bind mounts, its own environment with only the machine-specific values replaced.
 * Resolves with its output once it exits 0, as `service_completed_successfully` waits for.
 */
export async function runOneShotJob(options: OneShotJobOptions): Promise<string> {
  const where = `${options.compose.path} services.${options.service}`;
  const service = composeService(options.compose, options.service);
  const [command, ...args] = serviceArgv(service, where).map((arg) => {
    if (!arg.startsWith('/')) return arg;
    try {
      return hostPath(options.compose, service, arg);
    } catch (error) {
      if (error instanceof ComposeError) return arg; // a path of the image itself, such as /bin/sh
      throw error;
    }
  });
  if (!command) throw new ComposeError(`${where} has no entrypoint or command`);
  const env = {
    PATH: [...options.programDirs, process.env.PATH ?? ''].join(delimiter),
    HOME: process.env.HOME ?? '/tmp',
    ...serviceEnvironment(service, options.variables, where),
    ...options.overrides,
  };
  try {
    const { stdout, stderr } = await run(command, args, { env, encoding: 'utf8', timeout: options.timeoutMs ?? 180_000 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const details = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`the ${options.service} job failed: ${details.message}\n${details.stdout ?? ''}${details.stderr ?? ''}`.trim(), { cause: error });
  }
}
