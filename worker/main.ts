import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { withApplicationFailures } from '../integrations/bitrix24/caller.js';
import { createBitrix24Client } from '../integrations/bitrix24/client.js';
import { createSharedRequestBudget } from '../integrations/bitrix24/shared-budget.js';
import { createErpClient } from '../integrations/erp/client.js';
import { createFinanceClient } from '../integrations/finance/client.js';
import { createJiraClient } from '../integrations/jira/client.js';
import { createOnecClient } from '../integrations/onec/client.js';
import { loadConfigOrExit } from '../lib/config.js';
import { createDataConverter } from '../lib/data-converter.js';
import { createLogger } from '../lib/logger.js';
import { createTemporalBudgetHolder } from '../lib/portals/temporal-budget.js';
import { createTemporalPortalStore } from '../lib/portals/temporal-store.js';
import { resolveTemporalConfig } from '../lib/temporal-connection.js';
import { setUpWorkerObservability } from './observability.js';
import { processSettingsFromConfig } from './process-settings.js';
import { budgetTaskQueue } from '../contracts/workflow-ids.js';
import { sharedWorkflowSource } from './workflow-source.js';
import { WORKFLOW_TYPES } from './workflow-types.js';

const { config, connectionOptions } = resolveTemporalConfig(loadConfigOrExit());
const logger = createLogger({ name: 'worker', level: config.LOG_LEVEL });

// Before the first connection: it installs the SDK Runtime with its Prometheus exporter.
const observability = await setUpWorkerObservability({ config, logger });
const dataConverter = createDataConverter(config.PAYLOAD_CODEC_KEY, { allowPlaintextPayloads: config.PAYLOAD_CODEC_ALLOW_PLAINTEXT });
const connection = await NativeConnection.connect(connectionOptions);
const clientConnection = await Connection.connect(connectionOptions);
const client = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });

const portals = createTemporalPortalStore({ client, taskQueue: config.TEMPORAL_TASK_QUEUE });
const rateLimit = { perSecond: config.B24_RATE_LIMIT_PER_SECOND, burst: config.B24_RATE_LIMIT_BURST };
const budgetHolder = createTemporalBudgetHolder({ client, taskQueue: config.TEMPORAL_TASK_QUEUE });
const bitrix24 = createBitrix24Client({
  store: observability.countRefreshes(portals),
  onCall: observability.onBitrix24Call,
  webhookUrl: config.B24_WEBHOOK_URL,
  allowedDomains: config.B24_ALLOWED_DOMAINS,
  httpTimeoutMs: config.B24_HTTP_TIMEOUT_MS,
  caBundlePath: config.B24_CA_BUNDLE,
  rateLimit,
  batching: config.B24_BATCHING,
  // Every worker of a portal takes its request slots from the portal's budget workflow (docs/rate-limits.md).
  requestBudget: config.B24_SHARED_BUDGET
    ? (ownBucket) => createSharedRequestBudget({ holder: budgetHolder, fallback: ownBucket, rateLimit, logger: logger.child({ component: 'request-budget' }) })
    : undefined,
  logger: logger.child({ component: 'bitrix24' }),
});
observability.metrics.observeRateLimiter(() => bitrix24.limiter.counters());

const activities = createActivities({
  bitrix24: withApplicationFailures(bitrix24),
  onec: createOnecClient({ baseUrl: config.ONEC_BASE_URL, timeoutMs: config.ONEC_HTTP_TIMEOUT_MS }),
  erp: createErpClient({
    wsdlUrl: config.ERP_WSDL_URL,
    timeoutMs: config.ERP_HTTP_TIMEOUT_MS,
    logger: logger.child({ component: 'erp' }),
  }),
  finance: createFinanceClient({
    baseUrl: config.FINANCE_BASE_URL,
    apiToken: config.FINANCE_API_TOKEN,
    timeoutMs: config.FINANCE_HTTP_TIMEOUT_MS,
    logger: logger.child({ component: 'finance' }),
  }),
  jira: createJiraClient({
    baseUrl: config.JIRA_BASE_URL,
    email: config.JIRA_EMAIL,
    apiToken: config.JIRA_API_TOKEN,
    timeoutMs: config.JIRA_HTTP_TIMEOUT_MS,
    logger: logger.child({ component: 'jira' }),
  }),
  oauth:
    config.B24_CLIENT_ID && config.B24_CLIENT_SECRET
      ? { clientId: config.B24_CLIENT_ID, clientSecret: config.B24_CLIENT_SECRET, allowedHosts: config.B24_OAUTH_HOSTS }
      : undefined,
  settings: processSettingsFromConfig(config),
  // The offline drain signals entity workflows; the CRM processes read portal settings.
  temporal: client,
  portals,
  provisioning: {
    publicUrl: config.PUBLIC_URL,
    claimEntityTypeId: config.CLAIM_ENTITY_TYPE_ID,
    invoiceTotalEntityTypeId: config.INVOICE_TOTAL_ENTITY_TYPE_ID,
    shipmentListIblockId: config.SHIPMENT_LIST_IBLOCK_ID,
    erpOrderField: config.ERP_ORDER_FIELD,
    knownWorkflowTypes: WORKFLOW_TYPES,
  },
});

const workflows = await sharedWorkflowSource(config.WORKFLOW_BUNDLE_PATH);
const worker = await Worker.create({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  dataConverter,
  activities,
  shutdownGraceTime: '30 seconds',
  // The server tells the worker how many polls pay off: a storm's backlog gets more pollers, a quiet queue fewer.
  workflowTaskPollerBehavior: { type: 'autoscaling' },
  activityTaskPollerBehavior: { type: 'autoscaling' },
  interceptors: { activity: observability.activityInterceptors },
  ...workflows,
});
// The portals' budget holders poll a queue of their own: a grant must not wait behind a storm of robot tasks.
const budgetWorker = config.B24_SHARED_BUDGET
  ? await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: budgetTaskQueue(config.TEMPORAL_TASK_QUEUE),
      dataConverter,
      shutdownGraceTime: '5 seconds',
      ...workflows,
    })
  : undefined;

logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker running');
// Worker.run installs its own SIGINT/SIGTERM handlers and drains in-flight activities before resolving.
await Promise.all([worker.run(), budgetWorker?.run()]);
await clientConnection.close();
await connection.close();
await observability.close();
logger.info('worker stopped');
