#!/usr/bin/env node
// Provides PostgreSQL's server programs for `npm run test:cluster` (initdb, pg_ctl, postgres, psql): Debian's or
// Ubuntu's own, installed with apt-get when they are missing, and recorded in <repo>/.tools/postgresql.json.
// The cluster keeps its data in a temporary folder; the package's default cluster is not created.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const PROGRAMS = ['initdb', 'pg_ctl', 'postgres', 'psql'];
/** Where Debian's postgresql-NN packages put the server programs (only psql and a wrapper are on PATH). */
const DEBIAN_LIB = '/usr/lib/postgresql';
/** The postgresql-NN package's postinst reads create_main_cluster here; left true it starts a cluster on port 5432. */
const CREATECLUSTER_CONF = '/etc/postgresql-common/createcluster.conf';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifestPath = join(repoRoot, '.tools', 'postgresql.json');

class PostgresInstallError extends Error {
  name = 'PostgresInstallError';
}

function say(message) {
  process.stderr.write(`[postgresql] ${message}\n`);
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function hasAllPrograms(binDir) {
  return PROGRAMS.every((program) => isExecutable(join(binDir, program)));
}

/** The newest Debian-packaged version that has every program, else a folder on PATH that has them all. */
function findBinDir() {
  if (existsSync(DEBIAN_LIB)) {
    const versions = readdirSync(DEBIAN_LIB)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const binDir = join(DEBIAN_LIB, version, 'bin');
      if (hasAllPrograms(binDir)) return binDir;
    }
  }
  return (process.env.PATH ?? '').split(':').find((dir) => dir && hasAllPrograms(dir));
}

function run(command, args, env = {}) {
  say(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  if (result.status !== 0) throw new PostgresInstallError(`\`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
}

function installWithApt() {
  if (!existsSync('/usr/bin/apt-get')) {
    throw new PostgresInstallError('PostgreSQL is not installed and this is no Debian/Ubuntu system: install PostgreSQL (initdb, pg_ctl, postgres, psql).');
  }
  if (process.getuid?.() !== 0) {
    throw new PostgresInstallError('PostgreSQL is not installed: run `sudo apt-get install postgresql` (or this script as root).');
  }
  say('PostgreSQL is not installed: installing Debian\'s packages with apt-get (a minute or two).');
  const startedAt = Date.now();
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], env);
  run('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql-common'], env);
  run('pg_conftool', [CREATECLUSTER_CONF, 'set', 'create_main_cluster', 'false']);
  run('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], env);
  say(`Installed PostgreSQL in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);
}

function versionOf(binDir) {
  const result = spawnSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : 'unknown';
}

function main() {
  try {
    let binDir = findBinDir();
    if (!binDir) {
      installWithApt();
      binDir = findBinDir();
      if (!binDir) throw new PostgresInstallError(`apt-get installed postgresql, but ${PROGRAMS.join(', ')} are still not found.`);
    }
    const version = versionOf(binDir);
    mkdirSync(dirname(manifestPath), { recursive: true });
    const temporaryPath = `${manifestPath}.${process.pid}.tmp`;
    writeFileSync(temporaryPath, `${JSON.stringify({ binDir, version }, null, 2)}\n`);
    renameSync(temporaryPath, manifestPath);
    say(`${version} in ${binDir}; recorded in ${manifestPath}.`);
  } catch (error) {
    say(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

main();
