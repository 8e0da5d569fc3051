#!/usr/bin/env node
// Provides the two Temporal binaries the tests, `npm start` and the benchmark need, without the SDK's own download
// (which fails on machines without internet): the `temporal` CLI (dev server) and Temporal's Java time-skipping test
// server. Results are cached in <repo>/.tools and recorded in <repo>/.tools/binaries.json.
// Plain Node ESM with built-ins only: it runs before anything is compiled.
/* global fetch, AbortSignal */
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const CLI_VERSION = '1.5.1';
const CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@v${CLI_VERSION}`;
const TEST_SERVER_MAIN_CLASS = 'io.temporal.testserver.TestServer';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(repoRoot, '.tools');
const toolsBinDir = join(toolsDir, 'bin');
const testServerDir = join(toolsDir, 'test-server');
const cliExecutableName = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
const cachedCliPath = join(toolsBinDir, cliExecutableName);
const testServerLauncherPath = join(testServerDir, 'temporal-test-server');
const classpathFile = join(testServerDir, 'classpath.txt');
const manifestPath = join(toolsDir, 'binaries.json');

class BinaryError extends Error {
  name = 'BinaryError';
}

function say(message) {
  process.stderr.write(`[binaries] ${message}\n`);
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(command) {
  const extensions = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const extension of extensions) {
      const candidate = join(dir, command + extension);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function runsOk(path, args) {
  const result = spawnSync(path, args, { stdio: 'ignore', timeout: 30_000 });
  return result.status === 0;
}

function seconds(startedAt) {
  return `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
}

function verifyCli(path, origin) {
  if (!runsOk(path, ['--version'])) throw new BinaryError(`The Temporal CLI at ${path} (${origin}) does not run: \`${path} --version\` failed.`);
  return path;
}

function buildCliWithGo(goPath) {
  say(`Building the Temporal CLI v${CLI_VERSION} with Go into ${toolsBinDir}.`);
  say('The first build downloads Go modules and compiles the dev server: it takes a few minutes. Later runs reuse it.');
  const startedAt = Date.now();
  mkdirSync(toolsBinDir, { recursive: true });
  const result = spawnSync(goPath, ['install', CLI_MODULE], {
    env: { ...process.env, GOBIN: toolsBinDir },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0 || !existsSync(cachedCliPath)) {
    throw new BinaryError(
      `\`go install ${CLI_MODULE}\` failed (exit ${result.status ?? result.signal}). ` +
        'Check the Go module proxy is reachable (GOPROXY), or install the Temporal CLI yourself and set TEMPORAL_CLI_PATH.',
    );
  }
  say(`Built the Temporal CLI in ${seconds(startedAt)}.`);
  return cachedCliPath;
}

function releaseArchiveUrl() {
  // A mirror for networks that cannot reach temporal.download.
  if (process.env.TEMPORAL_CLI_DOWNLOAD_URL) return process.env.TEMPORAL_CLI_DOWNLOAD_URL;
  const platform = { linux: 'linux', darwin: 'darwin', win32: 'windows' }[process.platform];
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch];
  if (!platform || !arch) throw new BinaryError(`No Temporal CLI release for ${process.platform}/${process.arch}; set TEMPORAL_CLI_PATH.`);
  return `https://temporal.download/cli/archive/v${CLI_VERSION}?platform=${platform}&arch=${arch}`;
}

async function downloadCliRelease() {
  const url = releaseArchiveUrl();
  const tarPath = findOnPath('tar');
  if (!tarPath) throw new BinaryError('Neither `go` nor `tar` is on PATH: install Go or the Temporal CLI, or set TEMPORAL_CLI_PATH.');
  say(`Go is not on PATH: downloading the Temporal CLI v${CLI_VERSION} release from ${url} (about 50 MB).`);
  const startedAt = Date.now();
  let archive;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(300_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    archive = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new BinaryError(
      `Could not download the Temporal CLI from ${url}: ${error instanceof Error ? error.message : String(error)}. ` +
        'Without internet, install Go (the CLI is then built from the module proxy) or set TEMPORAL_CLI_PATH.',
    );
  }
  const downloadDir = join(toolsDir, 'download');
  mkdirSync(downloadDir, { recursive: true });
  mkdirSync(toolsBinDir, { recursive: true });
  const archivePath = join(downloadDir, process.platform === 'win32' ? 'temporal.zip' : 'temporal.tar.gz');
  writeFileSync(archivePath, archive);
  const extracted = spawnSync(tarPath, ['-xf', archivePath, '-C', toolsBinDir, cliExecutableName], { stdio: 'inherit' });
  rmSync(downloadDir, { recursive: true, force: true });
  if (extracted.status !== 0 || !existsSync(cachedCliPath)) throw new BinaryError(`Could not extract ${cliExecutableName} from ${url}.`);
  chmodSync(cachedCliPath, 0o755);
  say(`Downloaded the Temporal CLI in ${seconds(startedAt)}.`);
  return cachedCliPath;
}

async function resolveTemporalCli() {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new BinaryError(`TEMPORAL_CLI_PATH points to ${fromEnv}, which does not exist.`);
    return verifyCli(fromEnv, 'TEMPORAL_CLI_PATH');
  }
  const onPath = findOnPath('temporal');
  if (onPath) return verifyCli(onPath, 'PATH');
  if (isExecutable(cachedCliPath)) {
    if (runsOk(cachedCliPath, ['--version'])) return cachedCliPath;
    say(`The cached Temporal CLI at ${cachedCliPath} does not run; replacing it.`);
    rmSync(cachedCliPath, { force: true });
  }
  const goPath = findOnPath('go');
  const built = goPath ? buildCliWithGo(goPath) : await downloadCliRelease();
  return verifyCli(built, 'freshly built');
}

function cachedClasspathIsComplete() {
  if (!isExecutable(testServerLauncherPath) || !existsSync(classpathFile)) return false;
  const entries = readFileSync(classpathFile, 'utf8').trim().split(delimiter).filter(Boolean);
  return entries.length > 0 && entries.every((entry) => existsSync(entry));
}

function writeLauncher(classpath) {
  const script = `#!/bin/sh\n# Generated by scripts/ensure-temporal-binaries.mjs; started by the TS SDK as: <this> <port> --enable-time-skipping\nexec java -cp "${classpath}" ${TEST_SERVER_MAIN_CLASS} "$@"\n`;
  const temporaryPath = `${testServerLauncherPath}.tmp`;
  writeFileSync(temporaryPath, script, { mode: 0o755 });
  renameSync(temporaryPath, testServerLauncherPath);
}

function resolveClasspathWithMaven(mvnPath) {
  say('Resolving the Java time-skipping test server with Maven into .tools/test-server.');
  say('The first resolution downloads about 40 jars from Maven Central and can take a minute or two. Later runs reuse them.');
  const startedAt = Date.now();
  mkdirSync(testServerDir, { recursive: true });
  const pom = join(repoRoot, 'scripts', 'test-server', 'pom.xml');
  const result = spawnSync(
    mvnPath,
    ['-q', '-B', '-f', pom, 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0 || !existsSync(classpathFile)) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new BinaryError(`Maven could not resolve the test server (exit ${result.status ?? result.signal}):\n${output}`);
  }
  const classpath = readFileSync(classpathFile, 'utf8').trim();
  writeLauncher(classpath);
  say(`Resolved the test server in ${seconds(startedAt)}.`);
  return testServerLauncherPath;
}

function resolveTestServer() {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new BinaryError(`TEMPORAL_TEST_SERVER_PATH points to ${fromEnv}, which does not exist.`);
    return fromEnv;
  }
  const fallback = 'the TypeScript SDK will try to download its own test server when a time-skipping test starts (needs internet)';
  if (process.platform === 'win32') {
    say(`The generated test-server launcher is a POSIX shell script; on Windows ${fallback}.`);
    return null;
  }
  const javaPath = findOnPath('java');
  if (!javaPath || !runsOk(javaPath, ['-version'])) {
    say(`Java is not on PATH, so the time-skipping test server cannot run from Maven jars; ${fallback}.`);
    return null;
  }
  if (cachedClasspathIsComplete()) return testServerLauncherPath;
  const mvnPath = findOnPath('mvn');
  if (!mvnPath) {
    say(`Maven (mvn) is not on PATH, so the test server jars cannot be resolved; ${fallback}.`);
    return null;
  }
  return resolveClasspathWithMaven(mvnPath);
}

function writeManifest(manifest) {
  mkdirSync(toolsDir, { recursive: true });
  const temporaryPath = `${manifestPath}.${process.pid}.tmp`;
  writeFileSync(temporaryPath, `${JSON.stringify(manifest, null, 2)}\n`);
  // Rename is atomic, so a concurrently starting test never reads half a file.
  renameSync(temporaryPath, manifestPath);
}

async function main() {
  const startedAt = Date.now();
  try {
    const temporalCli = await resolveTemporalCli();
    const testServer = resolveTestServer();
    writeManifest({ temporalCli, testServer });
    say(`temporal CLI: ${temporalCli}`);
    say(`test server:  ${testServer ?? '(none: SDK download fallback)'}`);
    say(`Ready in ${seconds(startedAt)}; recorded in ${manifestPath}.`);
  } catch (error) {
    say(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

await main();
