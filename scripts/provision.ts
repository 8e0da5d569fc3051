// `npm run provision -- --portal <member_id or domain> [--dry-run] [--reassert]`: prints what provisioning would change
// in the portal, then applies it with progress. An interactive tool, so it writes to stdout/stderr; the logic is in
// provisioning/.
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createBitrix24Client } from '../integrations/bitrix24/client.js';
import { ConfigError, loadConfig } from '../lib/config.js';
import { createDataConverter } from '../lib/data-converter.js';
import { createLogger } from '../lib/logger.js';
import { createTemporalPortalStore } from '../lib/portals/temporal-store.js';
import { resolveTemporalConfig } from '../lib/temporal-connection.js';
import { findPortalMemberId, PortalNotFoundError } from '../provisioning/find-portal.js';
import { WORKFLOW_TYPES } from '../worker/workflow-types.js';
import {
  applyProvisioning,
  buildDeclaration,
  formatPlan,
  formatProgress,
  formatWarnings,
  isEmptyPlan,
  planProvisioning,
  ProvisioningError,
} from '../provisioning/index.js';

const USAGE = 'usage: npm run provision -- --portal <member_id or domain> [--dry-run] [--reassert] [--claim-entity-type-id N] [--invoice-total-entity-type-id N]';

const out = (text: string) => process.stdout.write(`${text}\n`);
const fail = (text: string) => process.stderr.write(`${text}\n`);

function optionalInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new ConfigError(`--${name} must be a positive integer`);
  return parsed;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      portal: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      reassert: { type: 'boolean', default: false },
      'claim-entity-type-id': { type: 'string' },
      'invoice-total-entity-type-id': { type: 'string' },
    },
  });
  if (values.portal === undefined) {
    fail(USAGE);
    return 2;
  }
  const { config, connectionOptions } = resolveTemporalConfig(loadConfig());
  const connection = await Connection.connect(connectionOptions);
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: createDataConverter(config.PAYLOAD_CODEC_KEY, { allowPlaintextPayloads: config.PAYLOAD_CODEC_ALLOW_PLAINTEXT }) });
  const store = createTemporalPortalStore({ client, taskQueue: config.TEMPORAL_TASK_QUEUE });
  const bitrix24 = createBitrix24Client({
    store,
    webhookUrl: config.B24_WEBHOOK_URL,
    allowedDomains: config.B24_ALLOWED_DOMAINS,
    httpTimeoutMs: config.B24_HTTP_TIMEOUT_MS,
    caBundlePath: config.B24_CA_BUNDLE,
    rateLimit: { perSecond: config.B24_RATE_LIMIT_PER_SECOND, burst: config.B24_RATE_LIMIT_BURST },
    logger: createLogger({ name: 'provision', level: config.LOG_LEVEL }),
  });
  try {
    const memberId = await findPortalMemberId({ client, store }, values.portal);
    const credentials = await store.find(memberId);
    const declaration = buildDeclaration({
      publicUrl: config.PUBLIC_URL,
      claimEntityTypeId: optionalInt(values['claim-entity-type-id'], 'claim-entity-type-id'),
      invoiceTotalEntityTypeId: optionalInt(values['invoice-total-entity-type-id'], 'invoice-total-entity-type-id'),
      shipmentListIblockId: config.SHIPMENT_LIST_IBLOCK_ID,
      erpOrderField: config.ERP_ORDER_FIELD,
    });
    const input = {
      bitrix24,
      memberId,
      declaration,
      settings: store,
      reassert: values.reassert,
      warningContext: { knownWorkflowTypes: WORKFLOW_TYPES, ...(credentials ? { portalDomain: credentials.domain } : {}) },
    };
    const planned = await planProvisioning(input);
    out(`Portal ${memberId}${credentials ? ` (${credentials.domain})` : ''}${values['dry-run'] ? ' — dry run, nothing is written' : ''}`);
    out(formatPlan(planned.plan));
    if (planned.warnings.length > 0) out(formatWarnings(planned.warnings));
    if (values['dry-run'] || isEmptyPlan(planned.plan)) return 0;
    const summary = await applyProvisioning(planned, { ...input, onProgress: (progress) => out(formatProgress(progress)) });
    out(`Done: ${summary.added.length} added, ${summary.updated.length} updated, ${summary.removed.length} removed.`);
    return 0;
  } catch (error) {
    if (error instanceof ProvisioningError || error instanceof PortalNotFoundError || error instanceof ConfigError) {
      fail(error.message);
      return 1;
    }
    throw error;
  } finally {
    await bitrix24.close();
    await connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    process.exit(1);
  },
);
