import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../lib/config.js';
import { createDataConverter } from '../lib/data-converter.js';
import { createLogger } from '../lib/logger.js';
import { createApiMetrics } from '../lib/metrics/api-metrics.js';
import { createTemporalPortalStore } from '../lib/portals/temporal-store.js';
import { resolveTemporalConfig } from '../lib/temporal-connection.js';
import { buildApp } from './app.js';
import { BitrixInstallVerifier } from './install-verifier.js';
import { createTemporalHealthCheck } from './temporal-health.js';
import { createEventRouteSource } from '../lib/crm-events/event-routes.js';
import { TemporalExternalWriteGateway } from './external-writes.js';
import { TemporalWorkflowGateway } from './workflow-gateway.js';
import { createRunsTabServices } from './placements/create-runs-tab.js';
import { startApiMetricsServer } from './metrics-listener.js';

async function main(): Promise<void> {
  const { config, connectionOptions } = resolveTemporalConfig(loadConfigOrExit());
  const logger = createLogger({ level: config.LOG_LEVEL });
  const connection = await Connection.connect(connectionOptions);
  const client = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: createDataConverter(config.PAYLOAD_CODEC_KEY, { allowPlaintextPayloads: config.PAYLOAD_CODEC_ALLOW_PLAINTEXT }),
  });

  const portals = createTemporalPortalStore({ client, taskQueue: config.TEMPORAL_TASK_QUEUE, negativeTtlMs: config.PORTAL_NEGATIVE_CACHE_MS });
  const workflows = new TemporalWorkflowGateway({
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    logger,
    routes: createEventRouteSource({ config, portals }),
    offlineDrain: true,
  });
  const metrics = createApiMetrics();
  const app = await buildApp({
    config,
    logger,
    metrics,
    portals,
    workflows,
    externalWrites: new TemporalExternalWriteGateway({ client, taskQueue: config.TEMPORAL_TASK_QUEUE }),
    installVerifier: new BitrixInstallVerifier({ config }),
    temporalHealth: createTemporalHealthCheck(connection),
    runsTab: createRunsTabServices({ config, client, portals, logger }),
  });

  let metricsServer: Awaited<ReturnType<typeof startApiMetricsServer>> = null;
  let closing = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    try {
      await app.close();
      await metricsServer?.close();
      await workflows.drain();
      await connection.close();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGINT', (signal) => void shutdown(signal));
  process.once('SIGTERM', (signal) => void shutdown(signal));

  await app.listen({ host: config.HOST, port: config.PORT });
  metricsServer = await startApiMetricsServer({ registry: metrics.registry, host: config.HOST, port: config.API_METRICS_PORT, logger });
}

main().catch((error: unknown) => {
  createLogger().fatal({ err: error }, 'api failed to start');
  process.exit(1);
});
