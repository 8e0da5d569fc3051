import { LOOPBACK, simulatorUrl, type SimulatorSpec } from './services.js';

/** Local app credentials shared by the emulator and the API when the user configured none. */
export const EMULATOR_APP_DEFAULTS = {
  clientId: 'local.b24temporal.emulator',
  clientSecret: 'emulator-only-client-secret',
} as const;

/** No real portal configured (an empty value in .env counts as unset): run against the local emulator. */
export function isEmulatorMode(env: NodeJS.ProcessEnv): boolean {
  return !env.B24_WEBHOOK_URL && !env.B24_ALLOWED_DOMAINS;
}

export interface StackPlan {
  emulatorMode: boolean;
  temporalPort: number;
  temporalUiPort: number;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl: string;
  emulatorPort: number;
  /** Where the emulator keeps its portal between runs (beside the dev server's database). */
  emulatorStateFile?: string;
  simulators: readonly SimulatorSpec[];
}

/**
 * The local Web UI decodes through the API's codec with no setup: both spellings of its origin may call it, and the
 * codec needs no token while the API listens on loopback only (lib/config.ts refuses `off` anywhere else).
 */
function localCodecEnv(base: NodeJS.ProcessEnv, plan: StackPlan): NodeJS.ProcessEnv {
  const ui = new URL(plan.temporalUiUrl);
  const env: NodeJS.ProcessEnv = {
    CODEC_CORS_ORIGINS: base.CODEC_CORS_ORIGINS || [ui.origin, `${ui.protocol}//localhost:${ui.port}`].join(','),
  };
  const loopbackHost = !base.HOST || ['127.0.0.1', '::1', 'localhost'].includes(base.HOST);
  if (!base.CODEC_AUTH && loopbackHost) env.CODEC_AUTH = 'off';
  return env;
}

/** The environment every child (worker, API, emulator, simulators) starts with. */
export function buildChildEnv(base: NodeJS.ProcessEnv, plan: StackPlan): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    TEMPORAL_ADDRESS: plan.temporalAddress,
    TEMPORAL_NAMESPACE: plan.temporalNamespace,
    TEMPORAL_WEB_UI_URL: plan.temporalUiUrl,
    ...localCodecEnv(base, plan),
  };
  if (!plan.emulatorMode) return env;

  env.B24_CLIENT_ID = base.B24_CLIENT_ID || EMULATOR_APP_DEFAULTS.clientId;
  env.B24_CLIENT_SECRET = base.B24_CLIENT_SECRET || EMULATOR_APP_DEFAULTS.clientSecret;
  env.EMULATOR_PORT = String(plan.emulatorPort);
  if (plan.emulatorStateFile) env.EMULATOR_STATE_FILE = plan.emulatorStateFile;
  env.B24_ALLOWED_DOMAINS = `${LOOPBACK}:${plan.emulatorPort}`;
  env.B24_OAUTH_HOSTS = LOOPBACK;
  // The install page of an app with a UI loads the emulator's BX24 stand-in, which reports installFinish() to it.
  env.B24_JS_LIBRARY_URL = base.B24_JS_LIBRARY_URL || `http://${LOOPBACK}:${plan.emulatorPort}/api/v1/`;
  for (const simulator of plan.simulators) {
    env[simulator.portEnv] = String(simulator.port);
    env[simulator.urlEnv] = simulatorUrl(simulator);
  }
  return env;
}
