import { Runtime, type ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from 'pino';
import { pinoSdkLogger } from './sdk-logger.js';
import type { Bitrix24CallReport } from '../integrations/bitrix24/client.js';
import type { Config } from '../lib/config.js';
import { createMetricsRegistry } from '../lib/metrics/registry.js';
import { createWorkerMetrics, type WorkerMetrics } from './metrics.js';
import type { PortalStore } from '../lib/portals/store.js';
import { createActivityLoggingInterceptor } from './activity-logging-interceptor.js';
import { startMetricsServer, type MetricsServer } from '../lib/metrics/server.js';
import { countTokenRefreshes } from './refresh-counting-store.js';

/**
 * The worker's observability settings, from lib/config.ts: the interface the metrics endpoints listen on (containers set
 * HOST=0.0.0.0 so Prometheus can scrape them), their ports (0 switches one off) and the SDK's log level.
 */
export type WorkerObservabilityConfig = Pick<Config, 'HOST' | 'WORKER_METRICS_PORT' | 'TEMPORAL_SDK_METRICS_PORT' | 'TEMPORAL_SDK_LOG_LEVEL'>;

export interface WorkerObservability {
  readonly metrics: WorkerMetrics;
  /** For `Worker.create({ interceptors: { activity } })`. */
  readonly activityInterceptors: ActivityInterceptorsFactory[];
  /** For `createBitrix24Client({ onCall })`. */
  onBitrix24Call(report: Bitrix24CallReport): void;
  /** Wraps the store the Bitrix24 client refreshes through. */
  countRefreshes(store: PortalStore): PortalStore;
  /** Port of the worker's own `/metrics`, or null when off or not bound. */
  readonly metricsPort: number | null;
  close(): Promise<void>;
}

/**
 * The SDK's Prometheus exporter lives in its native Runtime, which must be installed before the first connection;
 * it binds its own port (merging it into ours would need the experimental buffered exporter).
 */
export function installSdkMetrics(config: WorkerObservabilityConfig, logger: Logger): boolean {
  const sdkLogger = pinoSdkLogger(logger.child({ component: 'temporal-sdk' }), config.TEMPORAL_SDK_LOG_LEVEL);
  if (config.TEMPORAL_SDK_METRICS_PORT === 0) {
    Runtime.install({ logger: sdkLogger });
    return false;
  }
  const bindAddress = `${config.HOST}:${config.TEMPORAL_SDK_METRICS_PORT}`;
  try {
    Runtime.install({ logger: sdkLogger, telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
    return true;
  } catch (error) {
    // A second worker on one machine must still run; it only goes without SDK metrics.
    logger.warn({ bindAddress, err: error }, 'Temporal SDK metrics are off: the exporter could not start');
    Runtime.install({ logger: sdkLogger });
    return false;
  }
}

async function startOwnEndpoint(
  config: WorkerObservabilityConfig,
  metrics: WorkerMetrics,
  logger: Logger,
): Promise<MetricsServer | null> {
  if (config.WORKER_METRICS_PORT === 0) return null;
  try {
    return await startMetricsServer({ registry: metrics.registry, host: config.HOST, port: config.WORKER_METRICS_PORT });
  } catch (error) {
    logger.warn({ port: config.WORKER_METRICS_PORT, err: error }, 'worker metrics are off: the endpoint could not listen');
    return null;
  }
}

/** Metrics, the per-attempt activity log, and both Prometheus endpoints, set up once at worker start. */
export async function setUpWorkerObservability(options: {
  config: WorkerObservabilityConfig;
  logger: Logger;
  /** False in tests, where a Runtime is already installed. */
  installRuntime?: boolean;
}): Promise<WorkerObservability> {
  const { config, logger } = options;
  const sdkMetrics = (options.installRuntime ?? true) ? installSdkMetrics(config, logger) : false;
  const metrics = createWorkerMetrics(createMetricsRegistry());
  const server = await startOwnEndpoint(config, metrics, logger);
  logger.info(
    {
      workerMetrics: server ? `${config.HOST}:${server.port}/metrics` : 'off',
      sdkMetrics: sdkMetrics ? `${config.HOST}:${config.TEMPORAL_SDK_METRICS_PORT}/metrics` : 'off',
    },
    'metrics endpoints',
  );
  return {
    metrics,
    activityInterceptors: [
      createActivityLoggingInterceptor({
        logger: logger.child({ component: 'activity' }),
        onAttempt: (report) => metrics.recordActivityAttempt(report.activityType, report.outcome, report.durationMs),
      }),
    ],
    onBitrix24Call: (report) => metrics.recordBitrix24Call(report),
    countRefreshes: (store) => countTokenRefreshes(store, (outcome) => metrics.recordTokenRefresh(outcome)),
    metricsPort: server?.port ?? null,
    close: async () => {
      await server?.close();
    },
  };
}
