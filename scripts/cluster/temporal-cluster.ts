import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { probeTemporalNamespace, waitUntil } from '../start/readiness.js';
import { composeService, hostPath, readComposeFile, serviceEnvironment } from './compose-file.js';
import { freePort } from './free-port.js';
import { runOneShotJob, type OneShotJobOptions } from './one-shot-job.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';
import { temporalServerProcess, type TemporalServerProcess } from './temporal-server-process.js';
import { toolsManifest } from './tools-manifest.js';

/** The server's ports that its embedded config template reads from the environment (all roles in one process). */
const SERVER_PORT_VARIABLES = [
  'FRONTEND_GRPC_PORT',
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
] as const;

/** The one-shot services of the compose file. */
export type ClusterJob = 'temporal-schema' | 'temporal-namespace';

export interface TemporalCluster {
  /** `host:port` of the frontend, for TEMPORAL_ADDRESS. */
  address: string;
  namespace: string;
  /** The server release, as the compose file pins it. */
  version: string;
  postgres: PostgresServer;
  server: TemporalServerProcess;
  /** Starts the server again after `server.stop()`, on the same ports and database; resolves once the namespace answers. */
  startServer(): Promise<void>;
  /** Runs a one-shot job again, as every `docker compose up` does; resolves with its output. */
  runJob(service: ClusterJob): Promise<string>;
  /** Seconds each bring-up step took. */
  timings: Record<string, number>;
  stop(): Promise<void>;
}

export interface TemporalClusterOptions {
  /** Compose variables (the `.env` beside the compose file); POSTGRES_PASSWORD is generated when absent. */
  variables?: Record<string, string>;
}

/**
 * The Temporal services of docker-compose.temporal.yml on this machine, without Docker, in their order there:
 * `postgresql`, the `temporal-schema` job (deploy/temporal/setup-postgres.sh), `temporal` (the server binary with
 * the service's environment and mounted dynamic config), and the `temporal-namespace` job
 * (deploy/temporal/create-namespace.sh). Everything listens on 127.0.0.1, on free ports.
 */
export async function startTemporalCluster(options: TemporalClusterOptions = {}): Promise<TemporalCluster> {
  const compose = readComposeFile();
  const server = toolsManifest('temporal-server');
  const cli = toolsManifest('binaries').temporalCli;
  const variables = { POSTGRES_PASSWORD: randomBytes(18).toString('hex'), ...options.variables };
  const timings: Record<string, number> = {};
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const startedAt = Date.now();
    const result = await work();
    timings[step] = (Date.now() - startedAt) / 1000;
    return result;
  };

  const database = serviceEnvironment(composeService(compose, 'postgresql'), variables, 'services.postgresql');
  const postgres = await timed('postgresql', async () =>
    startPostgres({ user: database.POSTGRES_USER ?? 'postgres', password: database.POSTGRES_PASSWORD ?? '', port: await freePort() }),
  );
  const reachDatabase = { POSTGRES_SEEDS: postgres.host, DB_PORT: String(postgres.port) };
  const ports = Object.fromEntries(await Promise.all(SERVER_PORT_VARIABLES.map(async (name) => [name, String(await freePort())] as const)));
  const frontendPort = Number(ports.FRONTEND_GRPC_PORT);
  const address = `127.0.0.1:${frontendPort}`;
  const jobs: Record<ClusterJob, Pick<OneShotJobOptions, 'overrides' | 'programDirs'>> = {
    'temporal-schema': { overrides: { ...reachDatabase, TEMPORAL_SCHEMA_DIR: server.schemaDir }, programDirs: [dirname(server.sqlTool)] },
    'temporal-namespace': { overrides: { TEMPORAL_ADDRESS: address, TEMPORAL_HEALTH_CHECK_ATTEMPTS: '6' }, programDirs: [dirname(cli)] },
  };
  const runJob = (service: ClusterJob) => runOneShotJob({ compose, service, variables, ...jobs[service] });
  let temporal: TemporalServerProcess | undefined;
  try {
    await timed('schema job', () => runJob('temporal-schema'));

    const temporalService = composeService(compose, 'temporal');
    const environment = serviceEnvironment(temporalService, variables, 'services.temporal');
    const dynamicConfig = environment.DYNAMIC_CONFIG_FILE_PATH;
    const runningServer = temporalServerProcess({
      binary: server.server,
      frontendPort,
      logFile: join(postgres.folder, 'temporal-server.log'),
      env: {
        PATH: process.env.PATH,
        ...environment,
        ...reachDatabase,
        ...ports,
        BIND_ON_IP: '127.0.0.1',
        ...(dynamicConfig ? { DYNAMIC_CONFIG_FILE_PATH: hostPath(compose, temporalService, dynamicConfig) } : {}),
      },
    });
    temporal = runningServer;
    await timed('server', () => runningServer.start());

    await timed('namespace job', () => runJob('temporal-namespace'));
    const namespace = serviceEnvironment(composeService(compose, 'temporal-namespace'), variables, 'services.temporal-namespace').TEMPORAL_NAMESPACE ?? 'default';
    return {
      address,
      namespace,
      version: server.version,
      postgres,
      server: runningServer,
      async startServer() {
        await runningServer.start();
        await waitUntil(() => probeTemporalNamespace(address, namespace), { what: `namespace ${namespace}`, timeoutMs: 90_000 });
      },
      runJob,
      timings,
      async stop() {
        await runningServer.stop();
        await postgres.stop();
      },
    };
  } catch (error) {
    await temporal?.stop();
    await postgres.stop();
    throw error;
  }
}
