import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolsManifest } from './tools-manifest.js';

const run = promisify(execFile);

/** PostgreSQL refuses to run as root: as root the server runs as this user (Debian's packages create it). */
const UNPRIVILEGED_USER = 'postgres';

export interface PostgresOptions {
  /** The database superuser, as the postgres image's POSTGRES_USER / POSTGRES_PASSWORD make it. */
  user: string;
  password: string;
  port: number;
}

/** A throwaway PostgreSQL cluster: data, socket and log in one temporary folder, listening on 127.0.0.1 only. */
export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  folder: string;
  /** Runs SQL through psql over the local socket; returns the unaligned, tuples-only output. */
  query(database: string, sql: string): Promise<string>;
  stop(): Promise<void>;
}

class PostgresError extends Error {
  override readonly name = 'PostgresError';
}

function ownerIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, UNPRIVILEGED_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new PostgresError(`Running as root, and there is no "${UNPRIVILEGED_USER}" user to run PostgreSQL as (it refuses root).`);
  }
}

export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const { binDir } = toolsManifest('postgresql');
  const owner = ownerIds();
  const folder = await mkdtemp(join(tmpdir(), 'b24-cluster-postgres-'));
  const dataDir = join(folder, 'data');
  const socketDir = join(folder, 'socket');
  const logFile = join(folder, 'postgres.log');
  const passwordFile = join(folder, 'password');
  mkdirSync(socketDir);
  writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });
  writeFileSync(logFile, '');
  if (owner) for (const path of [folder, socketDir, passwordFile, logFile]) chownSync(path, owner.uid, owner.gid);

  /** As root, PostgreSQL's own programs run as the unprivileged user; otherwise as we are. */
  const asOwner = async (program: string, args: string[]) => {
    const [command, argv] = owner ? ['runuser', ['-u', UNPRIVILEGED_USER, '--', join(binDir, program), ...args]] : [join(binDir, program), args];
    try {
      return await run(command, argv, { encoding: 'utf8' });
    } catch (error) {
      const details = error as { stdout?: string; stderr?: string; message: string };
      throw new PostgresError(`${program} failed: ${details.stderr || details.stdout || details.message}`);
    }
  };

  const stop = async () => {
    if (existsSync(join(dataDir, 'postmaster.pid'))) await asOwner('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
    await rm(folder, { recursive: true, force: true });
  };

  try {
    // As the postgres image does: the named user is the superuser, password (SCRAM) over TCP, trust on the socket.
    const auth = ['--auth-host=scram-sha-256', '--auth-local=trust'];
    await asOwner('initdb', ['-D', dataDir, '-U', options.user, `--pwfile=${passwordFile}`, ...auth, '-E', 'UTF8', '--locale=C']);
    const settings = `-c listen_addresses=127.0.0.1 -p ${options.port} -k ${socketDir}`;
    await asOwner('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', settings, '-w', '-t', '60', 'start']);
  } catch (error) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2_000) : '';
    await stop();
    throw log ? new PostgresError(`${(error as Error).message}\n${log}`) : error;
  }

  return {
    host: '127.0.0.1',
    port: options.port,
    user: options.user,
    password: options.password,
    folder,
    async query(database, sql) {
      const connection = ['-h', socketDir, '-p', String(options.port), '-U', options.user, '-d', database];
      const { stdout } = await run(join(binDir, 'psql'), [...connection, '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
      return stdout.trim();
    },
    stop,
  };
}
