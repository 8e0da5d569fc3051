import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { createBitrix24Client } from '../../integrations/bitrix24/client.js';
import type { Config } from '../../lib/config.js';
import type { PortalStore } from '../../lib/portals/store.js';
import type { RunsTabServices } from './deps.js';
import { TemporalRunsService } from './temporal-runs.js';

/** The production runs tab: Temporal visibility through the API's client, and a Bitrix24 client on the stored tokens. */
export function createRunsTabServices(deps: { config: Config; client: Client; portals: PortalStore; logger: Logger }): RunsTabServices {
  const { config } = deps;
  const bitrix24 = createBitrix24Client({
    store: deps.portals,
    webhookUrl: config.B24_WEBHOOK_URL,
    allowedDomains: config.B24_ALLOWED_DOMAINS,
    httpTimeoutMs: config.B24_HTTP_TIMEOUT_MS,
    caBundlePath: config.B24_CA_BUNDLE,
    rateLimit: { perSecond: config.B24_RATE_LIMIT_PER_SECOND, burst: config.B24_RATE_LIMIT_BURST },
    logger: deps.logger.child({ component: 'runs-tab-bitrix24' }),
  });
  return {
    runs: new TemporalRunsService({ client: deps.client, namespace: config.TEMPORAL_NAMESPACE, webUiUrl: config.TEMPORAL_WEB_UI_URL }),
    bitrix24,
    close: () => bitrix24.close(),
  };
}
