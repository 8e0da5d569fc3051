import { createLogger } from '../../lib/logger.js';
import { DEFAULT_JIRA_API_TOKEN, DEFAULT_JIRA_EMAIL, startJiraSimulator } from './simulator.js';

const logger = createLogger({ name: 'jira-simulator' });
const simulator = await startJiraSimulator({
  host: process.env.JIRA_SIM_HOST ?? '127.0.0.1',
  port: Number(process.env.JIRA_SIM_PORT ?? 3104),
  email: process.env.JIRA_EMAIL ?? DEFAULT_JIRA_EMAIL,
  apiToken: process.env.JIRA_API_TOKEN ?? DEFAULT_JIRA_API_TOKEN,
  projects: process.env.JIRA_SIM_PROJECTS?.split(',').map((key) => key.trim()).filter(Boolean),
});
logger.info({ url: simulator.url }, 'Jira simulator listening');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void simulator.close().then(() => process.exit(0)));
}
