import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { createErpClient } from '../../integrations/erp/client.js';
import { createOnecClient } from '../../integrations/onec/client.js';
import type { ProcessSettings } from '../../activities/settings.js';
import { loadConfig } from '../../lib/config.js';
import { processSettingsFromConfig } from '../../worker/process-settings.js';

const DEFAULT_SETTINGS = processSettingsFromConfig(loadConfig({ PAYLOAD_CODEC_KEY: Buffer.alloc(32).toString('base64') }));

/** The worker's settings from lib/config.ts defaults (every robot's slice included), with a test's own values over them. */
export function testSettings(overrides: Partial<ProcessSettings> = {}): ProcessSettings {
  return { ...DEFAULT_SETTINGS, ...overrides };
}

export type TestActivityDeps = Partial<Omit<ActivityDeps, 'settings'>> & Pick<ActivityDeps, 'bitrix24'> & {
  settings?: Partial<ProcessSettings>;
};

/**
 * The worker's activities for a workflow test: the given clients and settings over the worker's defaults (from
 * lib/config.ts). Systems a test does not give are unreachable stand-ins, so a process that wrongly calls one fails.
 */
export function testActivities(deps: TestActivityDeps) {
  const { settings, ...clients } = deps;
  return createActivities({
    onec: createOnecClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 1_000 }),
    // The ERP client connects lazily, on its first call.
    erp: createErpClient(),
    oauth: undefined,
    ...clients,
    settings: testSettings(settings),
  });
}
