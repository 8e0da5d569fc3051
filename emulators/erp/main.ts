import { z } from 'zod';
import { createLogger } from '../../lib/logger.js';
import { parseLatencySetting } from './latency.js';
import { startErpSimulator } from './simulator.js';

const env = z
  .object({
    ERP_SIM_HOST: z.string().default('127.0.0.1'),
    ERP_SIM_PORT: z.coerce.number().int().min(0).max(65535).default(3102),
    ERP_SIM_LATENCY_MS: z.string().default('30000-40000'),
  })
  .parse(process.env);

const logger = createLogger({ name: 'erp-simulator' });
const simulator = await startErpSimulator({
  host: env.ERP_SIM_HOST,
  port: env.ERP_SIM_PORT,
  latencyMs: parseLatencySetting(env.ERP_SIM_LATENCY_MS),
  logger,
});
logger.info(
  { url: simulator.url, wsdlUrl: simulator.wsdlUrl, endpoint: simulator.endpoint, latencyMs: env.ERP_SIM_LATENCY_MS },
  'ERP simulator listening',
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'ERP simulator shutting down');
    simulator.close().catch((error: unknown) => {
      logger.error({ err: error }, 'ERP simulator did not close cleanly');
      process.exitCode = 1;
    });
  });
}
