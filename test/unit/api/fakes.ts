import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../api/app.js';
import type { CrmEvent } from '../../../lib/crm-events/event-routes.js';
import {
  InstallIncompleteError,
  InstallPortalBusyError,
  InstallRefusedError,
  InstallVerificationError,
  type InstallClaim,
  type InstallIdentity,
  type InstallVerifier,
} from '../../../api/install-verifier.js';
import type { RobotStart, WorkflowGateway } from '../../../api/workflow-gateway.js';
import type { RobotRefusal } from '../../../contracts/robot-refusal.js';
import type { PortalCredentials, PortalInstall, PortalMove, PortalSettings } from '../../../contracts/portal.js';
import { createApiMetrics, type ApiMetrics } from '../../../lib/metrics/api-metrics.js';
import type { RobotCall } from '../../../contracts/robot-call.js';
import type { RobotDeclaration } from '../../../contracts/robot-declarations.js';
import { loadConfig, type Config } from '../../../lib/config.js';
import type { PortalStore } from '../../../lib/portals/store.js';

export const MEMBER_ID = 'a223c0b2bd9d0e1e2b6d4b3f5a6c7d8e';
export const DOMAIN = 'example.bitrix24.com';
/** Distinctive secrets, so a test can search logs and payloads for them. */
export const SECRETS = {
  applicationToken: 'APPTOKEN-51c9e4a7d5f0b2',
  accessToken: 'ACCESSTOKEN-7e2f9a1c6b3d8e',
  refreshToken: 'REFRESHTOKEN-4a8c2e6f0b9d1',
  refreshedAccessToken: 'NEWACCESS-93b1d7f2c5e0a4',
  refreshedRefreshToken: 'NEWREFRESH-2d6f8a0c4e1b7',
} as const;
/** The event token is a capability too: it belongs in the workflow input (encrypted), never in a log line. */
export const EVENT_TOKEN_SIGNATURE = 'SIGNATURE47dd5d0f3b';
export const EVENT_TOKEN = `55c1dc1c3f0d75.78875596|A51601_82584_96831_81132|hsyUws1j4XiwqPqN45eH66CcQtEvpUIP.${EVENT_TOKEN_SIGNATURE}`;

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    PAYLOAD_CODEC_KEY: Buffer.alloc(32, 7).toString('base64'),
    B24_ALLOWED_DOMAINS: `${DOMAIN},127.0.0.1:3200`,
    B24_CLIENT_ID: 'local.test',
    B24_CLIENT_SECRET: 'client-secret-value',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

export function storedPortal(overrides: Partial<PortalCredentials> = {}): PortalCredentials {
  return {
    memberId: MEMBER_ID,
    domain: DOMAIN,
    clientEndpoint: `https://${DOMAIN}/rest/`,
    serverEndpoint: 'https://oauth.bitrix.info/rest/',
    applicationToken: SECRETS.applicationToken,
    accessToken: SECRETS.accessToken,
    refreshToken: SECRETS.refreshToken,
    expiresAt: 1_900_000_000,
    scope: 'crm,bizproc',
    version: 1,
    ...overrides,
  };
}

export class InMemoryPortals implements PortalStore {
  readonly portals = new Map<string, PortalCredentials>();
  readonly installs: PortalInstall[] = [];
  finds = 0;

  constructor(initial: PortalCredentials[] = [storedPortal()]) {
    for (const portal of initial) this.portals.set(portal.memberId, portal);
  }

  async find(memberId: string): Promise<PortalCredentials | null> {
    this.finds += 1;
    return this.portals.get(memberId) ?? null;
  }

  async install(install: PortalInstall): Promise<PortalCredentials> {
    this.installs.push(install);
    const previous = this.portals.get(install.memberId);
    const applicationToken = install.applicationToken ?? previous?.applicationToken ?? null;
    const stored = { ...install, applicationToken, version: (previous?.version ?? 0) + 1 };
    this.portals.set(install.memberId, stored);
    return stored;
  }

  readonly uninstalls: string[] = [];

  async uninstall(memberId: string): Promise<boolean> {
    this.uninstalls.push(memberId);
    return this.portals.delete(memberId);
  }

  async settings(): Promise<PortalSettings> {
    return {};
  }

  async saveSettings(_memberId: string, changes: PortalSettings): Promise<PortalSettings> {
    return changes;
  }

  async refresh(memberId: string): Promise<PortalCredentials> {
    const portal = this.portals.get(memberId);
    if (!portal) throw new Error('not installed');
    return portal;
  }

  async move(memberId: string, move: PortalMove): Promise<PortalCredentials> {
    const portal = this.portals.get(memberId);
    if (!portal) throw new Error('not installed');
    const moved = { ...portal, ...move };
    this.portals.set(memberId, moved);
    return moved;
  }
}

/** Records every call; each behaviour can be replaced per test. */
export class RecordingGateway implements WorkflowGateway {
  readonly robotStarts: { declaration: RobotDeclaration; call: RobotCall }[] = [];
  readonly events: CrmEvent[] = [];
  readonly installs: { memberId: string; event: string }[] = [];
  readonly uninstalls: string[] = [];
  readonly refusals: RobotRefusal[] = [];
  refusalAnswer: (refusal: RobotRefusal) => Promise<RobotStart> = async (refusal) => ({
    workflowId: `robot-refusal/${refusal.memberId}/test`,
    duplicate: false,
  });
  readonly drainWakes: string[] = [];
  robotAnswer: (call: RobotCall) => Promise<RobotStart> = async (call) => ({
    workflowId: `robot/${call.robotCode}/${call.memberId}/test`,
    duplicate: false,
  });
  eventAnswer: (event: CrmEvent) => Promise<{ workflowId: string } | null> = async () => null;

  get calls(): number {
    return this.robotStarts.length + this.events.length + this.installs.length + this.uninstalls.length + this.refusals.length + this.drainWakes.length;
  }

  async startRobot(declaration: RobotDeclaration, call: RobotCall): Promise<RobotStart> {
    this.robotStarts.push({ declaration, call });
    return this.robotAnswer(call);
  }

  async routeEvent(event: CrmEvent): Promise<{ workflowId: string } | null> {
    this.events.push(event);
    return this.eventAnswer(event);
  }

  async onPortalInstalled(memberId: string, event: string): Promise<void> {
    this.installs.push({ memberId, event });
  }

  async onPortalUninstalled(memberId: string): Promise<{ workflowId: string }> {
    this.uninstalls.push(memberId);
    return { workflowId: `portal-teardown/${memberId}` };
  }

  async refuseRobotCall(refusal: RobotRefusal): Promise<RobotStart> {
    this.refusals.push(refusal);
    return this.refusalAnswer(refusal);
  }

  drainAnswer: (memberId: string) => Promise<{ workflowId: string }> = async (memberId) => ({ workflowId: `offline-drain/${memberId}` });

  async wakeOfflineDrain(memberId: string): Promise<{ workflowId: string }> {
    this.drainWakes.push(memberId);
    return this.drainAnswer(memberId);
  }
}

/** The install checks, scripted: who the token is, whether the portal says installed, and each way they can fail. */
export class FakeVerifier implements InstallVerifier {
  readonly claims: InstallClaim[] = [];
  readonly bindings: { memberId: string; handlerUrl: string }[] = [];
  identity: InstallIdentity = { userId: 1, installed: true, appVersion: '1' };
  /** identify() fails as tokens that prove nothing (401). */
  failWith: string | undefined;
  /** authorize() refuses as a non-administrator or another portal would be (403). */
  refuseWith: string | undefined;
  /** bindInstallEvent() fails (502). */
  bindFailsWith: string | undefined;
  /** authorize() finds the portal over its request limit on every attempt (503). */
  busyWith: string | undefined;

  async identify(claim: InstallClaim): Promise<InstallIdentity> {
    this.claims.push(claim);
    if (this.failWith) throw new InstallVerificationError(this.failWith);
    return this.identity;
  }

  async authorize(claim: InstallClaim): Promise<PortalInstall> {
    if (this.refuseWith) throw new InstallRefusedError(this.refuseWith);
    if (this.busyWith) throw new InstallPortalBusyError(this.busyWith);
    return {
      memberId: claim.memberId,
      domain: claim.domain,
      clientEndpoint: claim.clientEndpoint,
      serverEndpoint: claim.serverEndpoint,
      applicationToken: claim.applicationToken,
      accessToken: SECRETS.refreshedAccessToken,
      refreshToken: SECRETS.refreshedRefreshToken,
      expiresAt: 1_900_003_600,
      scope: 'crm,bizproc',
    };
  }

  async bindInstallEvent(install: PortalInstall, handlerUrl: string): Promise<void> {
    if (this.bindFailsWith) throw new InstallIncompleteError(this.bindFailsWith);
    this.bindings.push({ memberId: install.memberId, handlerUrl });
  }
}

/** A pino logger without redaction writing into memory: what our code logs, before any safety net. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

export interface TestApp {
  app: FastifyInstance;
  /** What the API's metrics listener (API_METRICS_PORT) serves. */
  metrics: ApiMetrics;
  gateway: RecordingGateway;
  portals: InMemoryPortals;
  verifier: FakeVerifier;
  health: { healthy: () => Promise<boolean> };
}

export async function buildTestApp(options: { config?: Config; logger?: Logger } = {}): Promise<TestApp> {
  const gateway = new RecordingGateway();
  const portals = new InMemoryPortals();
  const verifier = new FakeVerifier();
  const health = { healthy: async () => true };
  const metrics = createApiMetrics();
  const app = await buildApp({
    metrics,
    config: options.config ?? testConfig(),
    logger: options.logger ?? { level: 'silent' },
    portals,
    workflows: gateway,
    installVerifier: verifier,
    temporalHealth: () => health.healthy(),
  });
  return { app, metrics, gateway, portals, verifier, health };
}

const FORM = 'application/x-www-form-urlencoded';

export function postForm(app: FastifyInstance, url: string, payload: string, contentType = FORM) {
  return app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });
}

/** A robot call (docs/bitrix24.md), rendered with PHP brackets as Bitrix24's queue sends it. */
export function robotCallBody(overrides: Record<string, string | null> = {}): string {
  const fields: Record<string, string | null> = {
    workflow_id: '55c1dc1c3f0d75.78875596',
    code: 'GET_1C_PRICE',
    'document_id[0]': 'crm',
    'document_id[1]': 'CCrmDocumentDeal',
    'document_id[2]': 'DEAL_759',
    'document_type[0]': 'crm',
    'document_type[1]': 'CCrmDocumentDeal',
    'document_type[2]': 'DEAL',
    event_token: EVENT_TOKEN,
    'properties[article]': 'SKU-100',
    use_subscription: 'Y',
    timeout_duration: '3600',
    ts: '1736405807',
    ...USER_AUTH_FIELDS,
    ...overrides,
  };
  return formEncode(fields);
}

/** The `auth` block Bitrix24 sends with robot calls and the install callback: a user token with its refresh token. */
const USER_AUTH_FIELDS: Record<string, string> = {
    'auth[access_token]': SECRETS.accessToken,
    'auth[expires]': '1736409407',
    'auth[expires_in]': '3600',
    'auth[scope]': 'crm,bizproc',
    'auth[domain]': DOMAIN,
    'auth[server_endpoint]': 'https://oauth.bitrix.info/rest/',
    'auth[status]': 'L',
    'auth[client_endpoint]': `https://${DOMAIN}/rest/`,
    'auth[member_id]': MEMBER_ID,
    'auth[user_id]': '1',
    'auth[refresh_token]': SECRETS.refreshToken,
    'auth[application_token]': SECRETS.applicationToken,
};

/** Encodes like PHP's http_build_query: brackets percent-encoded, `null` drops the field. */
export function formEncode(fields: Record<string, string | null>): string {
  return Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
}

export function eventBody(overrides: Record<string, string | null> = {}): string {
  return formEncode({
    event: 'ONCRMDEALUPDATE',
    event_handler_id: '201',
    'data[FIELDS][ID]': '759',
    ts: '1736405807',
    'auth[access_token]': SECRETS.accessToken,
    'auth[expires_in]': '3600',
    'auth[scope]': 'crm',
    'auth[domain]': DOMAIN,
    'auth[server_endpoint]': 'https://oauth.bitrix.info/rest/',
    'auth[status]': 'L',
    'auth[client_endpoint]': `https://${DOMAIN}/rest/`,
    'auth[member_id]': MEMBER_ID,
    'auth[application_token]': SECRETS.applicationToken,
    ...overrides,
  });
}

export function installBody(overrides: Record<string, string | null> = {}): string {
  return formEncode({
    event: 'ONAPPINSTALL',
    'data[VERSION]': '1',
    'data[ACTIVE]': 'Y',
    'data[INSTALLED]': 'Y',
    'data[LANGUAGE_ID]': 'en',
    ts: '1736405807',
    ...USER_AUTH_FIELDS,
    ...overrides,
  });
}

/** The first auth secret found in the text (the event token only when asked), or undefined. */
export function findSecret(text: string, options: { eventToken?: boolean } = {}): string | undefined {
  const secrets: string[] = [...Object.values(SECRETS), ...(options.eventToken ? [EVENT_TOKEN_SIGNATURE] : [])];
  return secrets.find((secret) => text.includes(secret));
}
