import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../../emulators/bitrix24/index.js';
import { startErpSimulator, type ErpSimulator } from '../../../emulators/erp/simulator.js';
import { startFinanceSimulator, type FinanceSimulator } from '../../../emulators/finance/simulator.js';
import { startJiraSimulator, type JiraSimulator } from '../../../emulators/jira/simulator.js';
import { startOnecSimulator, type OnecSimulator } from '../../../emulators/onec/simulator.js';
import { createDataConverter } from '../../../lib/data-converter.js';
import { freePort } from '../../../scripts/cluster/free-port.js';
import { startTemporalCluster, type TemporalCluster } from '../../../scripts/cluster/temporal-cluster.js';
import { waitForProvisioning, waitFor } from '../../faults/support/fault-stack.js';
import { startService, waitForHttpOk, type ServiceProcess } from '../../support/service-process.js';

export const WORKER_COUNT = 2;

export interface ClusterStackOptions {
  /** Extra environment for the workers and the API. */
  env?: NodeJS.ProcessEnv;
  /** Latency of the ERP simulator (default 50 ms). */
  erpLatencyMs?: number;
}

/**
 * The production topology on one machine: PostgreSQL, the Temporal server built from its module and set up by the
 * compose file's jobs (scripts/cluster/), the API and two workers as real processes from their entry points, and
 * the Bitrix24 emulator and the simulators on loopback. The app is installed and provisioned before it resolves.
 */
export interface ClusterStack {
  cluster: TemporalCluster;
  client: Client;
  emulator: Bitrix24Emulator;
  onec: OnecSimulator;
  erp: ErpSimulator;
  finance: FinanceSimulator;
  jira: JiraSimulator;
  workers: ServiceProcess[];
  api: ServiceProcess;
  apiUrl: string;
  /** The worker whose Temporal identity (`pid@host`, the SDK's default) this is, if any. */
  workerByIdentity(identity: string | null | undefined): ServiceProcess | undefined;
  stop(): Promise<void>;
}

export async function startClusterStack(options: ClusterStackOptions = {}): Promise<ClusterStack> {
  const startedAt = Date.now();
  const cluster = await startTemporalCluster();
  const payloadKey = randomBytes(32).toString('base64');
  const dataConverter = createDataConverter(payloadKey);
  const connection = await Connection.connect({ address: cluster.address });
  const client = new Client({ connection, namespace: cluster.namespace, dataConverter });
  const emulator = await startBitrix24Emulator();
  const onec = await startOnecSimulator();
  const erp = await startErpSimulator({ latencyMs: options.erpLatencyMs ?? 50 });
  const finance = await startFinanceSimulator();
  const jira = await startJiraSimulator();
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    PUBLIC_URL: apiUrl,
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: cluster.namespace,
    TEMPORAL_TASK_QUEUE: `cluster-${process.pid}-${apiPort}`,
    PAYLOAD_CODEC_KEY: payloadKey,
    WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
    B24_CLIENT_ID: 'local.emulator.app',
    B24_CLIENT_SECRET: 'emulator-secret',
    B24_ALLOWED_DOMAINS: emulator.domain,
    B24_OAUTH_HOSTS: '127.0.0.1',
    ONEC_BASE_URL: onec.url,
    ERP_WSDL_URL: erp.wsdlUrl,
    FINANCE_BASE_URL: finance.url,
    JIRA_BASE_URL: jira.url,
    ...options.env,
  };

  const workers: ServiceProcess[] = [];
  for (let index = 1; index <= WORKER_COUNT; index += 1) {
    const metrics = { WORKER_METRICS_PORT: String(await freePort()), TEMPORAL_SDK_METRICS_PORT: String(await freePort()) };
    workers.push(startService(`worker-${index}`, 'worker/main.ts', { ...env, ...metrics }));
  }
  const api = startService('api', 'api/server.ts', env);

  const stack: ClusterStack = {
    cluster,
    client,
    emulator,
    onec,
    erp,
    finance,
    jira,
    workers,
    api,
    apiUrl,
    workerByIdentity: (identity) => workers.find((worker) => identity?.startsWith(`${worker.child.pid}@`)),
    async stop() {
      await Promise.allSettled([api.stop(), ...workers.map((worker) => worker.stop())]);
      await Promise.allSettled([emulator.close(), onec.close(), erp.close(), finance.close(), jira.close()]);
      await connection.close();
      await cluster.stop();
    },
  };

  try {
    await waitForHttpOk(`${apiUrl}/readyz`, 60_000, api);
    for (const worker of workers) {
      await waitFor(() => worker.lines.some((line) => line.includes('worker running')) || worker.child.exitCode !== null, `${worker.name} to run`, 120_000);
      if (worker.child.exitCode !== null) throw new Error(`${worker.name} exited:\n${worker.lines.slice(-20).join('\n')}`);
    }
    const installed = await emulator.installApp(`${apiUrl}/bitrix24/install`);
    if (installed.status !== 200) throw new Error(`install failed: ${installed.status} ${JSON.stringify(installed.body)}`);
    await waitForProvisioning(client, emulator.memberId);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const seconds = (value: number) => `${value.toFixed(1)} s`;
  const steps = Object.entries(cluster.timings).map(([step, value]) => `${step} ${seconds(value)}`).join(', ');
  process.stderr.write(`[cluster] Temporal ${cluster.version} on PostgreSQL up (${steps}); whole stack in ${seconds((Date.now() - startedAt) / 1000)}\n`);
  return stack;
}
