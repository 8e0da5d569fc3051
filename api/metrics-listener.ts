import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { startMetricsServer, type MetricsServer } from '../lib/metrics/server.js';

/**
 * The API's `/metrics` on its own port (API_METRICS_PORT), never on the public one: a deployment publishes PORT to
 * Bitrix24 and leaves this port to the internal network Prometheus scrapes (docs/production.md). A port that cannot be
 * bound leaves the API running without metrics, with a warning, as the worker does.
 */
export async function startApiMetricsServer(options: {
  registry: Registry;
  host: string;
  port: number;
  logger: Logger;
}): Promise<MetricsServer | null> {
  if (options.port === 0) {
    options.logger.info('API metrics are off (API_METRICS_PORT=0)');
    return null;
  }
  try {
    const server = await startMetricsServer(options);
    options.logger.info({ metrics: `${options.host}:${server.port}/metrics` }, 'API metrics listening');
    return server;
  } catch (error) {
    options.logger.warn({ port: options.port, err: error }, 'API metrics are off: the endpoint could not listen');
    return null;
  }
}
