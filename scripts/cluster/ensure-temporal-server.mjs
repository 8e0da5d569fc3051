#!/usr/bin/env node
// Provides the production Temporal server for `npm run test:cluster`: `temporal-server` (the image
// temporalio/server runs it) and `temporal-sql-tool` (from temporalio/admin-tools), built from the Go module
// go.temporal.io/server at the release docker-compose.temporal.yml pins, plus that release's PostgreSQL schema.
// Cached in <repo>/.tools/temporal-server/<version>/ and recorded in <repo>/.tools/temporal-server.json.
// Plain Node ESM (built-ins and the `yaml` dependency): it runs before anything is compiled, like
// scripts/ensure-temporal-binaries.mjs does for the CLI.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const SERVER_MODULE = 'go.temporal.io/server';
/** Packages of the module and the names the release images give their binaries. */
const COMMANDS = [
  { pkg: 'cmd/server', built: 'server', name: 'temporal-server' },
  { pkg: 'cmd/tools/sql', built: 'sql', name: 'temporal-sql-tool' },
];
/** Where the admin-tools image keeps the schema (/etc/temporal/schema/postgresql/v12): the same layout under .tools. */
const SCHEMA_SUBDIR = join('schema', 'postgresql');

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const toolsDir = join(repoRoot, '.tools');
const manifestPath = join(toolsDir, 'temporal-server.json');
const composePath = join(repoRoot, 'docker-compose.temporal.yml');

class ServerBuildError extends Error {
  name = 'ServerBuildError';
}

function say(message) {
  process.stderr.write(`[temporal-server] ${message}\n`);
}

function seconds(startedAt) {
  return `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
}

function findOnPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The release the compose file runs: server and admin-tools images carry one tag (a unit test holds them equal). */
function composeServerVersion(path = composePath) {
  const compose = parse(readFileSync(path, 'utf8'), { merge: true });
  const image = compose?.services?.temporal?.image ?? '';
  const match = /^temporalio\/server:(\d+\.\d+\.\d+)$/.exec(image);
  if (!match) throw new ServerBuildError(`${path}: services.temporal.image is "${image}", not temporalio/server:<x.y.z>.`);
  return match[1];
}

function versionOf(path) {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function releaseDir(version) {
  return join(toolsDir, 'temporal-server', version);
}

function layout(dir) {
  return {
    server: join(dir, 'bin', 'temporal-server'),
    sqlTool: join(dir, 'bin', 'temporal-sql-tool'),
    schemaDir: join(dir, 'schema'),
  };
}

/** Both binaries answer `--version` with the expected release and the schema is there. */
function isComplete(paths, version) {
  return (
    [paths.server, paths.sqlTool].every((path) => existsSync(path) && versionOf(path)?.endsWith(` ${version}`)) &&
    existsSync(join(paths.schemaDir, 'postgresql', 'v12', 'temporal', 'versioned')) &&
    existsSync(join(paths.schemaDir, 'postgresql', 'v12', 'visibility', 'versioned'))
  );
}

function go(goPath, args, env) {
  const result = spawnSync(goPath, args, { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) {
    throw new ServerBuildError(
      `\`go ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}). Check that the Go module proxy is reachable (GOPROXY). ` +
        '`go install` refuses a release whose go.mod has replace directives: then pin the nearest release without them in docker-compose.temporal.yml.',
    );
  }
  return result.stdout;
}

/** Copies a read-only module-cache tree into files we own (the module cache keeps them 0444 in 0555 folders). */
function copyTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else if (entry.isFile()) writeFileSync(target, readFileSync(source));
  }
}

function build(goPath, version) {
  const staging = `${releaseDir(version)}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  const paths = layout(staging);
  mkdirSync(dirname(paths.server), { recursive: true });

  say(`Building the Temporal server ${version} and temporal-sql-tool from ${SERVER_MODULE} with Go into ${releaseDir(version)}.`);
  say('A cold build downloads about 1.5 GB of Go modules and compiles the server: minutes. Later runs reuse it.');
  const startedAt = Date.now();
  // CGO off, as the release images are built: the SQLite driver is pure Go, so no C toolchain is needed.
  const packages = COMMANDS.map((command) => `${SERVER_MODULE}/${command.pkg}@v${version}`);
  go(goPath, ['install', ...packages], { GOBIN: dirname(paths.server), CGO_ENABLED: '0' });
  for (const command of COMMANDS) renameSync(join(dirname(paths.server), command.built), join(dirname(paths.server), command.name));
  const downloaded = JSON.parse(go(goPath, ['mod', 'download', '-json', `${SERVER_MODULE}@v${version}`], {}));
  copyTree(join(downloaded.Dir, SCHEMA_SUBDIR), join(paths.schemaDir, 'postgresql'));
  if (!isComplete(paths, version)) throw new ServerBuildError(`The build in ${staging} is incomplete or does not report version ${version}.`);

  rmSync(releaseDir(version), { recursive: true, force: true });
  renameSync(staging, releaseDir(version));
  say(`Built the Temporal server ${version} in ${seconds(startedAt)}.`);
  return layout(releaseDir(version));
}

function writeManifest(manifest) {
  mkdirSync(toolsDir, { recursive: true });
  const temporaryPath = `${manifestPath}.${process.pid}.tmp`;
  writeFileSync(temporaryPath, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(temporaryPath, manifestPath);
}

async function main() {
  const startedAt = Date.now();
  try {
    const version = composeServerVersion();
    let paths = layout(releaseDir(version));
    if (isComplete(paths, version)) {
      say(`Cached build of the Temporal server ${version} verified in ${seconds(startedAt)}.`);
    } else {
      const goPath = findOnPath('go');
      if (!goPath) throw new ServerBuildError('Go is not on PATH: install Go (https://go.dev/dl/) to build the Temporal server from its module.');
      paths = build(goPath, version);
    }
    writeManifest({ version, ...paths });
    say(`temporal-server:   ${paths.server}`);
    say(`temporal-sql-tool: ${paths.sqlTool}`);
    say(`Ready in ${seconds(startedAt)}; recorded in ${manifestPath}.`);
  } catch (error) {
    say(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

await main();
