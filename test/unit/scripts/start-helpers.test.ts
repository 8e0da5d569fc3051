import { stripVTControlCharacters } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../../contracts/search-attributes.js';
import { buildChildEnv, EMULATOR_APP_DEFAULTS, isEmulatorMode, type StackPlan } from '../../../scripts/start/child-env.js';
import { DEV_SERVER_DYNAMIC_CONFIG_ARGS, devServerArgs } from '../../../scripts/start/dev-server.js';
import { childPrefix, createLineFormatter, createLinePrefixer, outputModeFor } from '../../../scripts/start/line-prefixer.js';
import { ensurePayloadCodecKey } from '../../../scripts/start/payload-codec-key.js';
import { availableSimulators, SIMULATORS } from '../../../scripts/start/services.js';

describe('devServerArgs', () => {
  const LOCAL = { ip: '127.0.0.1', port: 7233, uiPort: 8233, dbFilename: '/repo/.data/temporal.sqlite', namespace: 'default' };

  it('passes loopback, ports, the SQLite file, the namespace and every custom search attribute as Keyword', () => {
    const args = devServerArgs({ ...LOCAL, searchAttributes: CUSTOM_SEARCH_ATTRIBUTES });
    expect(args.join(' ')).toBe(
      'server start-dev --ip 127.0.0.1 --port 7233 --ui-port 8233 --db-filename /repo/.data/temporal.sqlite --namespace default ' +
        '--search-attribute B24Portal=Keyword --search-attribute B24Document=Keyword --search-attribute B24Process=Keyword ' +
        '--search-attribute B24RobotCode=Keyword --search-attribute B24Outcome=Keyword ' +
        '--dynamic-config-value system.enableActivityEagerExecution=true --log-level warn',
    );
  });

  it('gives the dev server the dynamic config values the production server has', () => {
    const production = parse(readFileSync('deploy/temporal/dynamicconfig/production.yaml', 'utf8')) as Record<string, { value: unknown }[]>;
    const pairs = DEV_SERVER_DYNAMIC_CONFIG_ARGS.filter((_, index) => index % 2 === 1).map((pair) => pair.split('=') as [string, string]);
    expect(pairs.length).toBeGreaterThan(0);
    for (const [key, value] of pairs) expect(JSON.stringify(production[key]?.[0]?.value), key).toBe(value);
  });

  it("points the Web UI's codec endpoint at the API when given one", () => {
    const args = devServerArgs({ ...LOCAL, searchAttributes: [], codecEndpoint: 'http://127.0.0.1:3000/codec' });
    expect(args.join(' ')).toContain('--ui-codec-endpoint http://127.0.0.1:3000/codec');
  });
});

describe('isEmulatorMode', () => {
  it('is on only when neither a webhook nor allowed portal domains are configured (empty counts as unset)', () => {
    expect(isEmulatorMode({})).toBe(true);
    expect(isEmulatorMode({ B24_WEBHOOK_URL: '', B24_ALLOWED_DOMAINS: '' })).toBe(true);
    expect(isEmulatorMode({ B24_WEBHOOK_URL: 'https://portal.example/rest/1/abc/' })).toBe(false);
    expect(isEmulatorMode({ B24_ALLOWED_DOMAINS: 'example.bitrix24.com' })).toBe(false);
  });
});

describe('buildChildEnv', () => {
  const onec = SIMULATORS.find((simulator) => simulator.name === '1c')!;
  const plan: StackPlan = {
    emulatorMode: true,
    temporalPort: 7233,
    temporalUiPort: 8233,
    temporalAddress: '127.0.0.1:7233',
    temporalNamespace: 'default',
    temporalUiUrl: 'http://127.0.0.1:8233',
    emulatorPort: 3001,
    simulators: [onec],
  };

  it('points every child at the local dev server and, in emulator mode, at the emulator and the simulators', () => {
    const env = buildChildEnv({ PATH: '/bin', TEMPORAL_ADDRESS: 'cloud:7233', PAYLOAD_CODEC_KEY: 'k' }, plan);
    expect(env).toMatchObject({
      PATH: '/bin',
      PAYLOAD_CODEC_KEY: 'k',
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_WEB_UI_URL: 'http://127.0.0.1:8233',
      B24_CLIENT_ID: EMULATOR_APP_DEFAULTS.clientId,
      B24_CLIENT_SECRET: EMULATOR_APP_DEFAULTS.clientSecret,
      EMULATOR_PORT: '3001',
      B24_ALLOWED_DOMAINS: '127.0.0.1:3001',
      B24_OAUTH_HOSTS: '127.0.0.1',
      B24_JS_LIBRARY_URL: 'http://127.0.0.1:3001/api/v1/',
      ONEC_SIM_PORT: '3101',
      ONEC_BASE_URL: 'http://127.0.0.1:3101',
    });
  });

  it('keeps app credentials the user configured', () => {
    const env = buildChildEnv({ B24_CLIENT_ID: 'mine', B24_CLIENT_SECRET: 'secret' }, plan);
    expect(env.B24_CLIENT_ID).toBe('mine');
    expect(env.B24_CLIENT_SECRET).toBe('secret');
  });

  it('leaves portal settings alone when a real portal is configured', () => {
    const env = buildChildEnv({ B24_ALLOWED_DOMAINS: 'example.bitrix24.com' }, { ...plan, emulatorMode: false, simulators: [] });
    expect(env.B24_ALLOWED_DOMAINS).toBe('example.bitrix24.com');
    expect(env.B24_OAUTH_HOSTS).toBeUndefined();
    expect(env.B24_JS_LIBRARY_URL).toBeUndefined();
    expect(env.ONEC_BASE_URL).toBeUndefined();
  });

  it("lets the local Web UI use the API's codec without a token while the API is on loopback", () => {
    expect(buildChildEnv({}, plan)).toMatchObject({ CODEC_AUTH: 'off', CODEC_CORS_ORIGINS: 'http://127.0.0.1:8233,http://localhost:8233' });
    // The user's own settings win, and an API reachable from elsewhere keeps its codec behind a token.
    expect(buildChildEnv({ CODEC_AUTH: 'required', CODEC_CORS_ORIGINS: 'https://ui.example.com' }, plan)).toMatchObject({
      CODEC_AUTH: 'required',
      CODEC_CORS_ORIGINS: 'https://ui.example.com',
    });
    expect(buildChildEnv({ HOST: '0.0.0.0' }, plan).CODEC_AUTH).toBeUndefined();
  });
});

describe('availableSimulators', () => {
  it('keeps only the simulators whose main.ts exists', () => {
    const present = new Set(['/repo/emulators/onec/main.ts', '/repo/emulators/jira/main.ts']);
    const names = availableSimulators('/repo', SIMULATORS, (path) => present.has(path)).map((simulator) => simulator.name);
    expect(names).toEqual(['1c', 'jira']);
  });
});

describe('createLinePrefixer', () => {
  it('prefixes whole lines across chunk boundaries and flushes a trailing partial line', () => {
    const written: string[] = [];
    const prefixer = createLinePrefixer(childPrefix('api', 6), (text) => written.push(text));
    prefixer.push('first li');
    prefixer.push('ne\r\nsecond\nthi');
    expect(written).toEqual(['api    | first line\n', 'api    | second\n']);
    prefixer.flush();
    expect(written.at(-1)).toBe('api    | thi\n');
  });
});

describe('createLineFormatter', () => {
  const pinoLine = JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 2, 3, 4, 5), pid: 7, hostname: 'h', msg: 'request completed', statusCode: 200 });
  const stripColours = stripVTControlCharacters;

  it('prints pino lines on a terminal as coloured text behind an aligned, coloured process name', () => {
    expect(outputModeFor({ isTTY: true })).toBe('pretty');
    const format = createLineFormatter('pretty', 9);
    const text = format('api', pinoLine);
    expect(stripColours(text)).not.toBe(text);
    expect(stripColours(text)).toMatch(/^api {7}\| \[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: request completed \{"statusCode":200\}\n$/);
    const withStack = stripColours(format('worker', JSON.stringify({ level: 50, time: 1, msg: 'failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (y.ts:1:2)' } })));
    // A stack keeps its own lines, each behind the aligned prefix.
    expect(withStack.split('\n').filter(Boolean).every((line) => line.startsWith('worker    | '))).toBe(true);
    expect(withStack).toContain('at x (y.ts:1:2)');
    expect(stripColours(format('temporal', 'time=2026 level=WARN msg="Slow gRPC call"'))).toBe('temporal  | time=2026 level=WARN msg="Slow gRPC call"\n');
  });

  it('prints one JSON object per line, tagged with the process, when the output is not a terminal', () => {
    expect(outputModeFor({ isTTY: false })).toBe('json');
    const format = createLineFormatter('json', 9);
    expect(JSON.parse(format('api', pinoLine))).toMatchObject({ process: 'api', level: 30, msg: 'request completed', statusCode: 200 });
    expect(JSON.parse(format('temporal', 'plain text'))).toEqual({ process: 'temporal', msg: 'plain text' });
    expect(format('start', 'Loaded .env').endsWith('}\n')).toBe(true);
  });
});

describe('ensurePayloadCodecKey', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('prefers the environment and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'codec-key-'));
    dirs.push(dir);
    expect(ensurePayloadCodecKey({ PAYLOAD_CODEC_KEY: 'from-env' }, join(dir, 'key'))).toEqual({ key: 'from-env', source: 'environment' });
  });

  it('generates a 32-byte key once into a 0600 file and reuses it on the next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'codec-key-'));
    dirs.push(dir);
    const keyFile = join(dir, '.data', 'payload-codec.key');
    const first = ensurePayloadCodecKey({}, keyFile);
    expect(first.source).toBe('generated');
    expect(Buffer.from(first.key, 'base64')).toHaveLength(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(first.key);
    expect(ensurePayloadCodecKey({}, keyFile)).toEqual({ key: first.key, source: 'key-file' });
  });
});
