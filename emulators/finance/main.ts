import { createLogger } from '../../lib/logger.js';
import { DEFAULT_FINANCE_API_TOKEN, startFinanceSimulator } from './simulator.js';

const logger = createLogger({ name: 'finance-simulator' });
const simulator = await startFinanceSimulator({
  host: process.env.FINANCE_SIM_HOST ?? '127.0.0.1',
  port: Number(process.env.FINANCE_SIM_PORT ?? 3103),
  apiToken: process.env.FINANCE_API_TOKEN ?? DEFAULT_FINANCE_API_TOKEN,
  latencyMs: Number(process.env.FINANCE_SIM_LATENCY_MS ?? 50),
});
logger.info({ url: simulator.url }, 'finance simulator listening');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void simulator.close().then(() => process.exit(0)));
}
