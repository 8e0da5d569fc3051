import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../contracts/task-queue.js';

const csv = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean));

const port = z.coerce.number().int().min(1).max(65535);
const portOrOff = z.coerce.number().int().min(0, 'must be 0 (off) or a port').max(65535, 'must be 0 (off) or a port');

const base64Key = z
  .string()
  .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)');

/** `key:member,member;key:member`: keys of at least 16 characters without `:`/`;`, each with one or more member ids. */
const externalApiKeys = z
  .string()
  .transform((value, context) => {
    const scopes = new Map<string, readonly string[]>();
    for (const entry of value.split(';').map((part) => part.trim()).filter(Boolean)) {
      const separator = entry.lastIndexOf(':');
      const key = separator < 0 ? '' : entry.slice(0, separator).trim();
      const members = separator < 0 ? [] : entry.slice(separator + 1).split(',').map((part) => part.trim()).filter(Boolean);
      // Messages count entries and never quote them: they hold the keys.
      const position = scopes.size + 1;
      if (key.length < 16 || /[\s:;]/.test(key)) {
        context.addIssue({ code: 'custom', message: `entry ${position}: the key must be at least 16 characters, without spaces, ':' or ';'` });
      } else if (members.length === 0 || members.some((member) => !/^[A-Za-z0-9_.-]{1,128}$/.test(member))) {
        context.addIssue({ code: 'custom', message: `entry ${position}: give the key one or more member ids after ':' (comma-separated)` });
      } else if (scopes.has(key)) {
        context.addIssue({ code: 'custom', message: `entry ${position}: the same key is listed twice` });
      } else {
        scopes.set(key, members);
      }
    }
    if (scopes.size === 0) context.addIssue({ code: 'custom', message: 'lists no key' });
    return scopes as ReadonlyMap<string, readonly string[]>;
  });

const trustProxy = z.string().transform((value, context): false | number | string[] => {
  const text = value.trim().toLowerCase();
  if (text === 'false' || text === '0') return false;
  if (text === 'true') {
    // Believing every X-Forwarded-For would let any sender pick the address its requests are limited by.
    context.addIssue({ code: 'custom', message: "give the number of proxy hops or the proxies' addresses, not true" });
    return false;
  }
  if (/^\d+$/.test(text)) return Number(text);
  return text.split(',').map((part) => part.trim()).filter(Boolean);
});

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** Every environment variable the service reads. `.env.example` lists the same names. */
export const configSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(3000),
  /** The API's Prometheus `/metrics`, on its own port so it is never published with PORT; 0 switches it off. */
  API_METRICS_PORT: portOrOff.default(9466),
  /** Public base URL of the API as Bitrix24 reaches it; robot handler URLs are built from it. */
  PUBLIC_URL: z.url().default('http://127.0.0.1:3000'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default(DEFAULT_TASK_QUEUE),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: z.stringbool().default(false),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_WEB_UI_URL: z.url().default('http://127.0.0.1:8233'),
  /** The worker's own Prometheus /metrics and the Temporal SDK's; 0 switches one off. */
  WORKER_METRICS_PORT: portOrOff.default(9464),
  TEMPORAL_SDK_METRICS_PORT: portOrOff.default(9465),
  /** Level of the Temporal SDK's own log lines in the worker (they go through our logger). */
  TEMPORAL_SDK_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  /** A workflow bundle prebuilt by `npm run build:bundle`; unset: the worker bundles workflows/ at start. */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  /** AES-256-GCM key for the payload codec: every workflow payload (tokens included) is encrypted with it. */
  PAYLOAD_CODEC_KEY: base64Key,
  /** Migration only: accept unencrypted payloads on decode (histories written before the codec). Off by default. */
  PAYLOAD_CODEC_ALLOW_PLAINTEXT: z.stringbool().default(false),

  /**
   * Codec server (POST /codec/decode, /codec/encode) for the Web UI and the CLI. `required`: every call carries an
   * OIDC access token or CODEC_STATIC_TOKEN; `off` (npm start, loopback only): no check.
   */
  CODEC_AUTH: z.enum(['required', 'off']).default('required'),
  /** Web UI origins allowed to call the codec from the browser; empty: the origin of TEMPORAL_WEB_UI_URL. */
  CODEC_CORS_ORIGINS: csv.pipe(z.array(z.url().transform((value) => new URL(value).origin))).default([]),
  /** The Web UI's OIDC provider: access tokens must be signed by its keys (JWKS), for this issuer and audience. */
  CODEC_OIDC_ISSUER: z.string().min(1).optional(),
  CODEC_OIDC_AUDIENCE: z.string().min(1).optional(),
  CODEC_OIDC_JWKS_URL: z.url().optional(),
  /** Bearer token for the CLI (`temporal workflow show --codec-auth "Bearer ..."`). */
  CODEC_STATIC_TOKEN: z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').optional(),

  B24_CLIENT_ID: z.string().optional(),
  B24_CLIENT_SECRET: z.string().optional(),
  /** Portal domains whose install callback is accepted, e.g. `example.bitrix24.com`. */
  B24_ALLOWED_DOMAINS: csv.default([]),
  /** Hosts of OAuth servers we may send refresh tokens to. */
  B24_OAUTH_HOSTS: csv.default(['oauth.bitrix.info', 'oauth.bitrix24.tech']),
  /** Inbound webhook URL (https://portal/rest/1/code/) for plain REST calls on a single portal. */
  B24_WEBHOOK_URL: z.url().optional(),
  /**
   * The BX24 JS library the install page of an app with a UI loads to call BX24.installFinish(); the page's
   * Content-Security-Policy allows scripts from this origin only. The emulator serves a stand-in at `/api/v1/`.
   */
  B24_JS_LIBRARY_URL: z.url({ protocol: /^https?$/ }).default('https://api.bitrix24.com/api/v1/'),
  /** PEM bundle of a private CA for on-premise portals; TLS checks stay on. */
  B24_CA_BUNDLE: z.string().optional(),
  B24_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(2),
  B24_RATE_LIMIT_BURST: z.coerce.number().int().positive().default(50),
  /** Coalesce the worker's calls to one portal into `batch` requests (docs/rate-limits.md). */
  B24_BATCHING: z.stringbool().default(true),
  /** Share each portal's request budget between worker processes through a per-portal budget workflow. */
  B24_SHARED_BUDGET: z.stringbool().default(true),
  B24_HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),

  ONEC_BASE_URL: z.url().default('http://127.0.0.1:3101'),
  ONEC_HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** How long GET_1C_PRICE keeps retrying an unreachable 1C before it gives up and explains why. */
  ONEC_RETRY_BOUND_SECONDS: z.coerce.number().int().positive().default(600),

  ERP_WSDL_URL: z.url().default('http://127.0.0.1:3102/erp?wsdl'),
  ERP_HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /** Pause between attempts while the ERP is unavailable (the seed process retried every 5 minutes). */
  ERP_RETRY_INTERVAL_SECONDS: z.coerce.number().int().positive().default(300),
  /** After this long without the ERP, the responsible user is notified and the robot completes with an error. */
  ERP_RETRY_BOUND_SECONDS: z.coerce.number().int().positive().default(86_400),
  /** Deal field (UPPER_CASE, as crm.deal.update takes it) that receives the ERP order number. */
  ERP_ORDER_FIELD: z.string().regex(/^UF_CRM_[A-Z0-9_]+$/, 'must be a deal user field like UF_CRM_ERP_ORDER_ID').default('UF_CRM_ERP_ORDER_ID'),

  FINANCE_BASE_URL: z.url().default('http://127.0.0.1:3103'),
  FINANCE_API_TOKEN: z.string().default('finance-dev-token'),
  FINANCE_HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** How long the credit check keeps trying an unavailable finance system before it routes to manual approval. */
  CREDIT_WAIT_SECONDS: z.coerce.number().int().positive().default(1_800),
  CREDIT_RETRY_INTERVAL_SECONDS: z.coerce.number().int().positive().default(60),
  /** Bitrix24 user id of the approver (CFO) notified when a credit check escalates. */
  CREDIT_APPROVER_USER_ID: z.coerce.number().int().positive().default(1),

  JIRA_BASE_URL: z.url().default('http://127.0.0.1:3104'),
  JIRA_EMAIL: z.string().default('automation@example.com'),
  JIRA_API_TOKEN: z.string().default('jira-dev-token'),
  JIRA_HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),

  /** Overrides for smart-process ids that provisioning otherwise discovers per portal (never hard-coded). */
  CLAIM_ENTITY_TYPE_ID: z.coerce.number().int().positive().optional(),
  INVOICE_TOTAL_ENTITY_TYPE_ID: z.coerce.number().int().positive().optional(),
  SHIPMENT_LIST_IBLOCK_ID: z.coerce.number().int().positive().optional(),
  /** Head of the quality department: responsible for the task every new claim creates. */
  QUALITY_HEAD_USER_ID: z.coerce.number().int().positive().default(2),
  /** IANA time zone of the portal, for business-day deadlines. */
  PORTAL_TIME_ZONE: z.string().default('Europe/Moscow'),
  /** Non-working days (YYYY-MM-DD, comma-separated) on top of weekends. */
  HOLIDAYS: csv.pipe(z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'dates must be YYYY-MM-DD'))).default([]),
  /** How long an entity workflow collects events before one processing pass (update storms coalesce). */
  ENTITY_COALESCE_WINDOW_MS: z.coerce.number().int().positive().default(2_000),
  /** How long each portal's offline drain waits for an ONOFFLINEEVENT wake before it reads the queue anyway. */
  OFFLINE_DRAIN_INTERVAL_SECONDS: z.coerce.number().int().positive().default(60),
  /**
   * Keys external systems send (`x-api-key`) to /api/v1, each with the portals (member ids; `webhook` for the
   * B24_WEBHOOK_URL portal) it may write to: `key:member_id[,member_id…][;key:…]`. Unset disables that API.
   */
  EXTERNAL_API_KEYS: externalApiKeys.optional(),

  /** Abuse limits of the public port, per API process: requests per window from one address, and naming one portal. */
  API_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().positive().default(60),
  API_RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(0, 'must be 0 (off) or a positive count').default(12_000),
  API_RATE_LIMIT_PER_PORTAL: z.coerce.number().int().min(0, 'must be 0 (off) or a positive count').default(6_000),
  /**
   * Whose address a request has behind a proxy: `false` (the socket's peer), a number of proxy hops, or the proxies'
   * addresses/CIDRs (comma-separated) whose X-Forwarded-For is believed.
   */
  API_TRUST_PROXY: trustProxy.default(false),
  /** Slow senders: the whole request must arrive within REQUEST, its headers within HEADERS; an idle socket closes after CONNECTION. */
  API_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  API_HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  API_CONNECTION_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  /** How long the API remembers that a member_id has no installed portal, instead of asking Temporal per request. */
  PORTAL_NEGATIVE_CACHE_MS: z.coerce.number().int().min(0, 'must be 0 (off) or milliseconds').default(5_000),
}).superRefine((config, context) => {
  const oidc = [config.CODEC_OIDC_ISSUER, config.CODEC_OIDC_AUDIENCE, config.CODEC_OIDC_JWKS_URL];
  if (oidc.some((value) => value !== undefined) && oidc.some((value) => value === undefined)) {
    context.addIssue({
      code: 'custom',
      path: ['CODEC_OIDC_ISSUER'],
      message: 'CODEC_OIDC_ISSUER, CODEC_OIDC_AUDIENCE and CODEC_OIDC_JWKS_URL go together: set all three or none',
    });
  }
  // Node answers 408 to headers that arrive after the whole request's deadline anyway; a longer value would be a lie.
  if (config.API_HEADERS_TIMEOUT_MS > config.API_REQUEST_TIMEOUT_MS) {
    context.addIssue({ code: 'custom', path: ['API_HEADERS_TIMEOUT_MS'], message: 'must not be longer than API_REQUEST_TIMEOUT_MS' });
  }
  // The API faces the internet (Bitrix24 calls it): an unauthenticated codec would decrypt for anyone.
  if (config.CODEC_AUTH === 'off' && !LOOPBACK_HOSTS.has(config.HOST)) {
    context.addIssue({ code: 'custom', path: ['CODEC_AUTH'], message: `off is accepted only while HOST is a loopback address` });
  }
});

export type Config = z.infer<typeof configSchema>;

/** Variables of earlier versions that would now be ignored silently: start-up stops and says what replaced them. */
const REPLACED_VARIABLES: Record<string, string> = {
  EXTERNAL_API_KEY: 'was replaced by EXTERNAL_API_KEYS (key:member_id[,member_id…]), which names the portals each key may write to',
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** For entry points: the validated config, or the problems on stderr and exit code 1 (no logger exists yet). */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/** Validates the environment once at start; the message names every wrong variable and never echoes its value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // `NAME=` in a .env file means "not set", as .env.example leaves optional variables.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = configSchema.safeParse(present);
  const problems = result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  for (const [name, replacement] of Object.entries(REPLACED_VARIABLES)) {
    if (present[name] !== undefined) problems.push(`${name}: ${replacement}`);
  }
  if (result.success && problems.length === 0) return result.data;
  throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
}
