/** Public types of the Bitrix24 emulator: what tests and other processes code against. */
import type { EmulatorState } from './state.js';
import type { FirePlacementInput, PlacementCall } from './placement-calls.js';

export type { FirePlacementInput, PlacementCall } from './placement-calls.js';

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

export const ROBOT_STATUS = { waiting: 'waiting', completed: 'completed', timedOut: 'timed_out' } as const;
export type RobotStatus = (typeof ROBOT_STATUS)[keyof typeof ROBOT_STATUS];

export const LATE_REASON = { alreadyCompleted: 'already_completed', timedOut: 'timed_out', notSubscribed: 'not_subscribed' } as const;
export type LateReason = (typeof LATE_REASON)[keyof typeof LATE_REASON];

export interface LateSend {
  at: number;
  reason: LateReason;
  returnValues: Record<string, unknown>;
  logMessage?: string;
}

/** One robot / BP-activity instance waiting in the emulated business process. */
export interface RobotInvocation {
  eventToken: string;
  code: string;
  handlerUrl: string;
  bizprocWorkflowId: string;
  activityName: string;
  documentId: [string, string, string];
  documentType: [string, string, string];
  properties: Record<string, unknown>;
  useSubscription: boolean;
  timeoutDuration: number;
  firedAt: number;
  /** How many times the call was delivered (duplicates included). */
  deliveries: number;
  status: RobotStatus;
  completedAt?: number;
  returnValues?: Record<string, unknown>;
  /** Every line written to the BP log: bizproc.activity.log lines and the LOG_MESSAGE of the accepted send. */
  logMessages: string[];
  lateSends: LateSend[];
}

export interface HttpOutcome {
  status: number;
  body: unknown;
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
  installApp(installUrl: string, opts?: { event?: 'ONAPPINSTALL' | 'ONAPPUPDATE' }): Promise<HttpOutcome>;
  fireRobot(handlerUrl: string, call: FireRobotInput): Promise<HttpOutcome & { eventToken: string }>;
  fireEvent(handlerUrl: string, event: string, data: Record<string, unknown>): Promise<HttpOutcome>;
  /** A user opens a widget: the placement call (protocol §9.8) is POSTed to `handlerUrl`. */
  firePlacement(handlerUrl: string, input: FirePlacementInput): Promise<HttpOutcome>;
  /** The placement call without sending it (a browser posts it: `GET /_emulator/placements/open`). */
  placementCall(handlerUrl: string, input: FirePlacementInput): PlacementCall;
  robotResult(eventToken: string): RobotInvocation | undefined;
  waitForRobotCompletion(eventToken: string, timeoutMs?: number): Promise<RobotInvocation>;
  expireAccessTokens(): void;
  setRateLimit(limit: RateLimit | false): void;
  setOperatingLimit(seconds: number): void;
  /** Simulated execution time charged per call of `method` against its operating budget. */
  setMethodDuration(method: string, seconds: number): void;
  injectFailure(failure: InjectedFailure): void;
  webhookUrl(userId?: number): string;
  /** Moves the emulator clock forward: token expiry, robot timeouts and limit windows follow it. */
  advanceClock(seconds: number): void;
  /** Changes a CRM item as a portal user would, so bound handlers and the offline queue get events. */
  userAddsItem(entityTypeId: number, fields: Record<string, unknown>, userId?: number): Record<string, unknown>;
  userUpdatesItem(entityTypeId: number, id: number, fields: Record<string, unknown>, userId?: number): Record<string, unknown>;
  /** Resolves once every background event delivery has finished. */
  settleDeliveries(): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}
