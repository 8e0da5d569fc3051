import { createLogger } from '../../lib/logger.js';
import { startOnecSimulator } from './simulator.js';

const logger = createLogger({ name: 'onec-simulator' });
const simulator = await startOnecSimulator({
  host: process.env.ONEC_SIM_HOST ?? '127.0.0.1',
  port: Number(process.env.ONEC_SIM_PORT ?? 3101),
  latencyMs: Number(process.env.ONEC_SIM_LATENCY_MS ?? 50),
});
logger.info({ url: simulator.url }, '1C price simulator listening');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void simulator.close().then(() => process.exit(0)));
}
