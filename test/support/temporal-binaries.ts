import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import protos from '@temporalio/proto';
import { TestWorkflowEnvironment, type LocalTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BINARIES_MANIFEST_PATH = join(repoRoot, '.tools', 'binaries.json');

interface BinariesManifest {
  temporalCli: string;
  testServer: string | null;
}

class MissingTemporalBinariesError extends Error {
  override readonly name = 'MissingTemporalBinariesError';
}

function readManifest(): BinariesManifest {
  if (!existsSync(BINARIES_MANIFEST_PATH)) {
    throw new MissingTemporalBinariesError(
      `${BINARIES_MANIFEST_PATH} is missing: run \`npm run binaries\` (npm test does it for you) to build or resolve the Temporal binaries.`,
    );
  }
  return JSON.parse(readFileSync(BINARIES_MANIFEST_PATH, 'utf8')) as BinariesManifest;
}

/** The `temporal` CLI that runs the dev server, as resolved by scripts/ensure-temporal-binaries.mjs. */
export function temporalCliPath(): string {
  const { temporalCli } = readManifest();
  if (!existsSync(temporalCli)) {
    throw new MissingTemporalBinariesError(`The Temporal CLI recorded in ${BINARIES_MANIFEST_PATH} is gone: run \`npm run binaries\`.`);
  }
  return temporalCli;
}

/** The time-skipping test server launcher, or undefined when Java/Maven were unavailable (the SDK then downloads one). */
export function testServerPath(): string | undefined {
  return readManifest().testServer ?? undefined;
}

export interface TestEnvOptions {
  /** Our codec-backed converter (lib/data-converter.ts), so the env's client encrypts like the API and the worker do. */
  dataConverter?: DataConverter;
}

export interface LocalEnvOptions extends TestEnvOptions {
  /** Dev-server settings other than the executable and the search attributes, which are always ours. */
  server?: Omit<NonNullable<LocalTestWorkflowEnvironmentOptions['server']>, 'executable' | 'searchAttributes'>;
}

/**
 * Java test server with time skipping: for timers, retries and long waits. Teardown with `env.teardown()`.
 * Our custom search attributes are registered in it, as the dev server and the compose init job do.
 */
export async function createTimeSkippingEnv(options: TestEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  const path = testServerPath();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: path ? { executable: { type: 'existing-path', path } } : {},
    client: options.dataConverter ? { dataConverter: options.dataConverter } : undefined,
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      CUSTOM_SEARCH_ATTRIBUTES.map((key) => [key.name, protos.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  return env;
}

/** Real dev server (in memory unless `server.dbFilename` is set) with our custom search attributes: for Updates, visibility. */
export async function createLocalEnv(options: LocalEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      ...options.server,
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: [...CUSTOM_SEARCH_ATTRIBUTES],
    },
    client: options.dataConverter ? { dataConverter: options.dataConverter } : undefined,
  });
}
