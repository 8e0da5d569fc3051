import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { startErpSimulator, type ErpSimulator } from '../../emulators/erp/simulator.js';
import { startFinanceSimulator, type FinanceSimulator } from '../../emulators/finance/simulator.js';
import { startJiraSimulator, type JiraSimulator } from '../../emulators/jira/simulator.js';
import { startOnecSimulator, type OnecSimulator } from '../../emulators/onec/simulator.js';
import { provisionWorkflowId } from '../../contracts/workflow-ids.js';
import { createDataConverter } from '../../lib/data-converter.js';
import { DEV_SERVER_DYNAMIC_CONFIG_ARGS } from '../../scripts/start/dev-server.js';
import { startService, waitForHttpOk, type ServiceProcess } from './service-process.js';
import { createLocalEnv } from './temporal-binaries.js';

export interface StackOptions {
  emulator?: Parameters<typeof startBitrix24Emulator>[0];
  /** Extra environment for the worker and the API. */
  env?: NodeJS.ProcessEnv;
  /** Install the app into the emulator once the API is ready (default true). */
  install?: boolean;
  /**
   * After the install, wait until provisioning has registered the robots (default true): a portal calls a robot only
   * once the app registered it. Off when the worker talks to a Temporal service other than the stack's own.
   */
  awaitProvisioning?: boolean;
  /** Latency of the ERP simulator (default 50 ms; the demo uses 30–40 s). */
  erpLatencyMs?: number | [number, number];
  /**
   * Run the dev server's Web UI, with its codec endpoint on the API (`/codec`), as `npm start` does; the API then
   * allows the UI's origin and runs the codec without auth (loopback).
   */
  webUi?: boolean;
  /** A namespace the dev server creates besides `default` (for a profile that names it). */
  temporalNamespace?: string;
}

/**
 * The whole service for end-to-end tests: a real Temporal dev server, the Bitrix24 emulator and the 1C simulator on
 * loopback, and our worker and API as separate processes started from their real entry points.
 */
export interface Stack {
  temporal: TestWorkflowEnvironment;
  emulator: Bitrix24Emulator;
  onec: OnecSimulator;
  erp: ErpSimulator;
  finance: FinanceSimulator;
  jira: JiraSimulator;
  worker: ServiceProcess;
  api: ServiceProcess;
  apiUrl: string;
  /** The dev server's Web UI when `webUi` was asked for. */
  webUiUrl?: string;
  env: NodeJS.ProcessEnv;
  /** Every secret value the stack handed out, for "absent from logs and histories" checks. */
  secrets(): string[];
  restartWorker(): Promise<void>;
  /** Starts the API again (stopping it first if it still runs) on the same port, and waits until it is ready. */
  restartApi(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const payloadKey = randomBytes(32).toString('base64');
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const uiPort = options.webUi ? await freePort() : undefined;
  const webUiUrl = uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`;
  const temporal = await createLocalEnv({
    dataConverter: createDataConverter(payloadKey),
    server: {
      extraArgs: [...DEV_SERVER_DYNAMIC_CONFIG_ARGS, ...(uiPort === undefined ? [] : ['--ui-codec-endpoint', `${apiUrl}/codec`])],
      ...(uiPort === undefined ? {} : { ui: true, uiPort }),
      ...(options.temporalNamespace === undefined ? {} : { namespace: options.temporalNamespace }),
    },
  });
  const emulator = await startBitrix24Emulator(options.emulator);
  const onec = await startOnecSimulator();
  const erp = await startErpSimulator({ latencyMs: options.erpLatencyMs ?? 50 });
  const finance = await startFinanceSimulator();
  const jira = await startJiraSimulator();
  const apiMetricsPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    API_METRICS_PORT: String(apiMetricsPort),
    PUBLIC_URL: apiUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace ?? 'default',
    TEMPORAL_TASK_QUEUE: `e2e-${process.pid}-${apiPort}`,
    PAYLOAD_CODEC_KEY: payloadKey,
    B24_CLIENT_ID: 'local.emulator.app',
    B24_CLIENT_SECRET: 'emulator-secret',
    B24_ALLOWED_DOMAINS: emulator.domain,
    B24_OAUTH_HOSTS: '127.0.0.1',
    B24_JS_LIBRARY_URL: emulator.bx24LibraryUrl,
    ONEC_BASE_URL: onec.url,
    ERP_WSDL_URL: erp.wsdlUrl,
    FINANCE_BASE_URL: finance.url,
    JIRA_BASE_URL: jira.url,
    ...(webUiUrl === undefined ? {} : { CODEC_AUTH: 'off', CODEC_CORS_ORIGINS: webUiUrl, TEMPORAL_WEB_UI_URL: webUiUrl }),
    ...options.env,
  };

  const startWorker = () => startService('worker', 'worker/main.ts', env);
  let worker = startWorker();
  const startApi = () => startService('api', 'api/server.ts', env);
  let api = startApi();
  const stack: Stack = {
    temporal,
    emulator,
    onec,
    erp,
    finance,
    jira,
    get worker() {
      return worker;
    },
    get api() {
      return api;
    },
    apiUrl,
    ...(webUiUrl === undefined ? {} : { webUiUrl }),
    env,
    secrets: () => [payloadKey, emulator.applicationToken, ...emulator.issuedTokens()],
    async restartWorker() {
      await worker.stop();
      worker = startWorker();
    },
    async restartApi() {
      await api.stop();
      api = startApi();
      await waitForHttpOk(`${apiUrl}/readyz`, 60_000, api);
    },
    async stop() {
      await Promise.allSettled([api.stop(), worker.stop()]);
      await Promise.allSettled([emulator.close(), onec.close(), erp.close(), finance.close(), jira.close()]);
      await temporal.teardown();
    },
  };

  try {
    await waitForHttpOk(`${apiUrl}/readyz`, 60_000, api);
    if (options.install !== false) {
      const installed = await emulator.installApp(`${apiUrl}/bitrix24/install`);
      if (installed.status !== 200) throw new Error(`install failed: ${installed.status} ${JSON.stringify(installed.body)}`);
      if (options.awaitProvisioning !== false) await temporal.client.workflow.getHandle(provisionWorkflowId(emulator.memberId)).result();
    }
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}
