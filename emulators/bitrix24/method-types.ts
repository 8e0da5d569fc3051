import type { EmulatorClock } from './clock.js';
import type { CrmEvents } from './crm-events.js';
import type { RestError } from './errors.js';
import type { EventTokenSigner } from './event-tokens.js';
import type { Params } from './params.js';
import type { RobotRuntime } from './robot-runtime.js';
import type { EmulatorState } from './state.js';
import type { AuthKind } from './types.js';

export interface Caller {
  kind: AuthKind;
  userId: number;
}

export interface MethodResult {
  result: unknown;
  total?: number;
  next?: number;
}

export type CallOutcome =
  | { ok: true; value: MethodResult; time: Record<string, number | string> }
  | { ok: false; error: RestError; time: Record<string, number | string> };

export interface MethodContext {
  state: EmulatorState;
  clock: EmulatorClock;
  caller: Caller;
  eventTokens: EventTokenSigner;
  robots: RobotRuntime;
  crmEvents: CrmEvents;
  /** Offline handlers bound with the same connector do not get events caused by this call. */
  authConnector?: string;
  inBatch: boolean;
  /** Runs another method as part of this request (used by `batch`). */
  execute(method: string, params: Params): Promise<CallOutcome>;
}

/**
 * Which callers a method accepts. Bitrix24 refuses app-only methods to inbound webhooks, with an answer that differs
 * per module: `ACCESS_DENIED` 403 for `event.*` (core AccessException), `ACCESS_DENIED` 400 for `bizproc.robot.*` /
 * `bizproc.activity.*` (their docs pages), `WRONG_AUTH_TYPE` 403 for `placement.*`.
 */
export const ACCESS = {
  any: 'any',
  appOnly: 'appOnly',
  appOnlyBizproc: 'appOnlyBizproc',
  appOnlyWrongAuthType: 'appOnlyWrongAuthType',
} as const;
export type Access = (typeof ACCESS)[keyof typeof ACCESS];

export interface MethodDefinition {
  handler: (params: Params, ctx: MethodContext) => MethodResult | Promise<MethodResult>;
  access?: Access;
  /** Only a portal administrator may call it; others get `ACCESS_DENIED` "Access denied!" with this HTTP status. */
  adminOnly?: { status: number };
}

export type MethodTable = Record<string, MethodDefinition>;

export const PAGE_SIZE = 50;

/** Slices a list the Bitrix24 way: 50 per page, `next` when more remain, `start=-1` skips the count. */
export function paginate<T>(rows: T[], startParam: unknown): { page: T[]; total?: number; next?: number } {
  const start = Number(startParam ?? 0);
  if (start === -1) return { page: rows.slice(0, PAGE_SIZE) };
  const offset = Number.isInteger(start) && start > 0 ? start : 0;
  const page = rows.slice(offset, offset + PAGE_SIZE);
  const next = offset + PAGE_SIZE < rows.length ? offset + PAGE_SIZE : undefined;
  return { page, total: rows.length, ...(next === undefined ? {} : { next }) };
}
