/** Public types of the Bitrix24 emulator: what tests and other processes code against. */
import type { EmulatorState, FeatureCode } from './state.js';
import type { InstallFormCall, InstallFormInput, LifecycleDelivery } from './app-lifecycle.js';
import type { FirePlacementInput, PlacementCall } from './placement-calls.js';
import type { HttpOutcome } from './http-outcome.js';
import type { RobotInvocation } from './robot-invocation.js';

export type { FirePlacementInput, PlacementCall } from './placement-calls.js';
export type { InstallFormCall, InstallFormInput, LifecycleDelivery } from './app-lifecycle.js';
export type { HttpOutcome } from './http-outcome.js';
export { LATE_REASON, ROBOT_STATUS, type LateReason, type LateSend, type RobotInvocation, type RobotStatus } from './robot-invocation.js';

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface EmulatorOptions {
  host?: string;
  port?: number;
  memberId?: string;
  clientId?: string;
  clientSecret?: string;
  accessTokenTtlSeconds?: number;
  rateLimit?: RateLimit | false;
  /** Operating-time budget per method per 10 minutes (seconds). */
  operatingLimitSeconds?: number;
  logger?: boolean;
  /**
   * Keeps the portal in this JSON file: loaded at start when it exists, written (debounced, atomically) as it changes.
   * Without it the portal lives in memory only.
   */
  stateFile?: string;
  /** The portal's plan as `feature.get` answers it; both default to enabled (see the README's CHOICE). */
  features?: Partial<Record<FeatureCode, boolean>>;
}

export const AUTH_KIND = { oauth: 'oauth', webhook: 'webhook', none: 'none' } as const;
export type AuthKind = (typeof AUTH_KIND)[keyof typeof AUTH_KIND];

/** One REST call as the emulator saw it. Token values are never recorded. */
export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  /** Unix milliseconds (emulator clock). */
  at: number;
  status: number;
  error?: string;
  auth: AuthKind;
  /** True for a command executed inside `batch`. */
  inBatch?: boolean;
  userId?: number;
}

/** HTTP requests to `/rest/*` since start or the last reset: what the portal's request limit counts. */
export interface RequestCounts {
  /** Every HTTP REST request, a `batch` counting once. */
  restRequests: number;
  /** Requests refused with 503 QUERY_LIMIT_EXCEEDED. */
  queryLimitRejections: number;
}

export interface FireRobotInput {
  code: string;
  documentId?: [string, string, string];
  documentType?: [string, string, string];
  properties?: Record<string, unknown>;
  /** Seconds; 0 means Bitrix24 waits forever. */
  timeoutDuration?: number;
  useSubscription?: boolean;
  /** Overrides auth[application_token] (tests send a wrong one). */
  applicationToken?: string;
  /** Re-delivers the call that carried this token (duplicate delivery). */
  eventToken?: string;
  userId?: number;
}

export interface InjectedFailure {
  /** REST method name, or `*` for every method. */
  method: string;
  times: number;
  status: number;
  error: string;
  description?: string;
}

export interface Bitrix24Emulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, what `auth[domain]` carries. */
  domain: string;
  /** `${url}/rest/` */
  clientEndpoint: string;
  /** `${url}/oauth-server/rest/`; the token endpoint is `${url}/oauth-server/oauth/token/`. */
  serverEndpoint: string;
  tokenEndpoint: string;
  memberId: string;
  /** `auth[application_token]` of this portal (stable for its lifetime). */
  applicationToken: string;
  state: EmulatorState;
  calls: RecordedCall[];
  callsTo(method: string): RecordedCall[];
  /** HTTP REST requests and 503s since start or the last `reset`/`resetRequestCounts`. */
  requestCounts(): RequestCounts;
  resetRequestCounts(): void;
  /** Successful refresh-token grants so far. */
  refreshCount(): number;
  /** Every access and refresh token issued so far (tests check they never reach logs or histories). */
  issuedTokens(): string[];
  /** `//api.bitrix24.com/api/v1/` of this portal: the BX24 stand-in (`${url}/api/v1/`). */
  bx24LibraryUrl: string;
  /** API-only app: the install completes and ONAPPINSTALL (with a fresh token pair of user 1) is POSTed to `installUrl`. */
  installApp(installUrl: string): Promise<HttpOutcome>;
  /** App with a UI: the form the portal posts into the install frame (not sent; a browser posts it). */
  installForm(installUrl: string, input?: InstallFormInput): InstallFormCall;
  /** App with a UI: posts the install form as a browser would; the install stays pending until `finishInstall`. */
  postInstallForm(installUrl: string, input?: InstallFormInput): Promise<HttpOutcome & { appSid: string }>;
  /** `BX24.installFinish()` from the install frame with this APP_SID: the install completes, ONAPPINSTALL goes to bound handlers. */
  finishInstall(appSid: string): Promise<{ installed: boolean; deliveries: LifecycleDelivery[] }>;
  /** A new app version: registrations dropped, then ONAPPUPDATE to the handlers that were bound for it. */
  updateApp(): Promise<LifecycleDelivery[]>;
  /** The app is deleted: tokens revoked, registrations dropped, ONAPPUNINSTALL (no tokens) to the handlers bound for it. */
  uninstallApp(options?: { clean?: boolean }): Promise<LifecycleDelivery[]>;
  fireRobot(handlerUrl: string, call: FireRobotInput): Promise<HttpOutcome & { eventToken: string }>;
  fireEvent(handlerUrl: string, event: string, data: Record<string, unknown>): Promise<HttpOutcome>;
  /** A user opens a widget: the placement call (b24restdocs api-reference/widgets/_includes/widget_data.md) is POSTed to `handlerUrl`. */
  firePlacement(handlerUrl: string, input: FirePlacementInput): Promise<HttpOutcome>;
  /** The placement call without sending it (a browser posts it: `GET /_emulator/placements/open`). */
  placementCall(handlerUrl: string, input: FirePlacementInput): PlacementCall;
  robotResult(eventToken: string): RobotInvocation | undefined;
  /** Codes of the registered robots the automation designer offers for a document type (their FILTER admits it). */
  designerRobots(documentType: readonly [string, string, string]): string[];
  waitForRobotCompletion(eventToken: string, timeoutMs?: number): Promise<RobotInvocation>;
  expireAccessTokens(): void;
  setRateLimit(limit: RateLimit | false): void;
  setOperatingLimit(seconds: number): void;
  /** Simulated execution time charged per call of `method` against its operating budget. */
  setMethodDuration(method: string, seconds: number): void;
  injectFailure(failure: InjectedFailure): void;
  /** Simulates a network outage: every delivery (events, robot calls, installs) fails as if the handler were down. */
  setDeliveryOutage(on: boolean): void;
  /** Switches a plan feature (`rest_offline_extended`, `rest_auth_connector`) on or off. */
  setFeature(code: FeatureCode, enabled: boolean): void;
  webhookUrl(userId?: number): string;
  /** Moves the emulator clock forward: token expiry, robot timeouts and limit windows follow it. */
  advanceClock(seconds: number): void;
  /** Changes a CRM item as a portal user would, so bound handlers and the offline queue get events. */
  userAddsItem(entityTypeId: number, fields: Record<string, unknown>, userId?: number): Record<string, unknown>;
  userUpdatesItem(entityTypeId: number, id: number, fields: Record<string, unknown>, userId?: number): Record<string, unknown>;
  /** Resolves once every background event delivery has finished. */
  settleDeliveries(): Promise<void>;
  reset(): void;
  /** Writes the state file now (when the emulator has one); close() does it too. */
  saveState(): Promise<void>;
  /** True when the portal was loaded from an existing state file at start. */
  restoredFromStateFile: boolean;
  close(): Promise<void>;
}
