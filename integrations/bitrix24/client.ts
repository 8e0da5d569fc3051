import type { Logger } from 'pino';
import { createLogger, redactText } from '../../lib/logger.js';
import type { PortalStore } from '../../lib/portals/store.js';
import { batchCommandProblem, type BatchCommand } from './batch-command.js';
import type { BatchCommandError } from './batch-reply.js';
import { batchPace, createBatcher, type Batcher, type BatcherCounters } from './batcher.js';
import { systemClock, type Clock } from './clock.js';
import { Bitrix24Error, Bitrix24LocalError } from './errors.js';
import {
  createPortalRateLimiter,
  DEFAULT_RATE_LIMIT,
  type OperatingBudgetSettings,
  type PortalRateLimiter,
  type RateLimitSettings,
  type RequestPriority,
} from './rate-limiter.js';
import { createPortalMoves, type RestTarget } from './portal-moves.js';
import type { RequestBudget, RequestSlot } from './request-budget.js';
import { readReply, unexpectedReplyError, type Bitrix24RawResponse } from './response.js';
import { createTransport, type FetchLike, type HttpReply } from './transport.js';

export interface Bitrix24ClientDeps {
  store: PortalStore;
  /** Inbound webhook (https://portal/rest/1/code/), used when the store knows no such portal. */
  webhookUrl?: string | undefined;
  /** Domains (B24_ALLOWED_DOMAINS) a redirect may lead a call to: a moved portal. Other redirects are refused. */
  allowedDomains?: readonly string[] | undefined;
  /** Per HTTP request; must stay below the activity's start-to-close timeout. Default 30 s. */
  httpTimeoutMs?: number | undefined;
  /** PEM file (config B24_CA_BUNDLE) added to the trusted roots for on-premise portals. */
  caBundlePath?: string | undefined;
  rateLimit?: RateLimitSettings | undefined;
  operatingBudget?: Partial<OperatingBudgetSettings> | undefined;
  /**
   * Coalesce calls to one portal from every caller of this client into `batch` requests (docs/rate-limits.md).
   * Default false here; the worker turns it on from B24_BATCHING.
   */
  batching?: boolean | undefined;
  /**
   * Where request slots come from: default this process's own leaky bucket (`limiter.requests`); the worker builds
   * the budget it shares with every other worker of the portal around that bucket (its fallback).
   */
  requestBudget?: ((ownBucket: RequestBudget) => RequestBudget) | undefined;
  logger?: Logger | undefined;
  fetchImpl?: FetchLike | undefined;
  clock?: Clock | undefined;
  /** QUERY_LIMIT_EXCEEDED answers retried inside one call before it fails retryable. Default 3. */
  queryLimitRetries?: number | undefined;
  /** First backoff after QUERY_LIMIT_EXCEEDED, doubled on each retry. Default 500 ms. */
  queryLimitBackoffMs?: number | undefined;
  /** Told about every HTTP call once it settled (metrics); it never sees tokens or parameters. */
  onCall?: ((report: Bitrix24CallReport) => void) | undefined;
}

export interface Bitrix24CallReport {
  /** The portal's host (`example.bitrix24.com`) as the call went to it: a name, never a token or a path. */
  portal: string;
  method: string;
  /** HTTP status; 0 when no answer came. */
  status: number;
  /** The answer's `error` code or the local failure code; undefined on success. */
  errorCode: string | undefined;
  /** From send to answer; the wait for the rate limit is not included. */
  durationMs: number;
}

export interface Bitrix24CallOptions {
  signal?: AbortSignal | undefined;
  /** Methods whose operating budget this call spends besides its own (the sub-commands of a batch). */
  budgetMethods?: readonly string[] | undefined;
  /** `urgent` calls go ahead of queued ordinary ones: a robot's answer to a waiting business process. */
  priority?: RequestPriority | undefined;
  /** With batching: shown in the command's key when the call travels inside a `batch` request. */
  label?: string | undefined;
}

/** One command's answer from `callCommands`. */
export type Bitrix24CommandOutcome = { ok: true; response: Bitrix24RawResponse } | { ok: false; error: BatchCommandError };

export type Bitrix24Params = Record<string, unknown>;

export interface Bitrix24Client {
  /** Calls a REST method on the portal and returns `result`. Throws Bitrix24Error. */
  call<T = unknown>(memberId: string, method: string, params?: Bitrix24Params, opts?: Bitrix24CallOptions): Promise<T>;
  /** Like `call`, but returns `{ result, total, next, time }`. */
  callRaw<T = unknown>(
    memberId: string,
    method: string,
    params?: Bitrix24Params,
    opts?: Bitrix24CallOptions,
  ): Promise<Bitrix24RawResponse<T>>;
  /**
   * Only with batching: runs independent commands through the coalescing queue. A command the method refused comes
   * back as its error; a request that failed as a whole rejects (after every command settled).
   */
  callCommands?(
    memberId: string,
    commands: readonly (BatchCommand & { label?: string })[],
    opts?: Pick<Bitrix24CallOptions, 'signal' | 'priority'>,
  ): Promise<Bitrix24CommandOutcome[]>;
  /** The per-portal request budget; its counters feed metrics. */
  readonly limiter: PortalRateLimiter;
  /** Requests and commands the batcher sent; undefined without batching. */
  batchCounters(): BatcherCounters | undefined;
  /** Closes the HTTP connection pool. */
  close(): Promise<void>;
}

type Target = RestTarget;

/**
 * Answers that a fresh access token may cure: refreshed once per call, then classified by the error catalogue.
 * NO_AUTH_FOUND ("Wrong authorization data", _includes/system-errors.md) also comes for an OAuth token the portal no
 * longer accepts; after one refresh it is terminal.
 */
const TOKEN_ERRORS = new Set(['expired_token', 'invalid_token', 'NO_AUTH_FOUND']);
const TEN_MINUTES_MS = 10 * 60_000;

function joinUrl(base: string, method: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}${method}`;
}

export function createBitrix24Client(deps: Bitrix24ClientDeps): Bitrix24Client {
  const clock = deps.clock ?? systemClock;
  const logger = (deps.logger ?? createLogger()).child({ component: 'bitrix24-client' });
  const transport = createTransport({
    httpTimeoutMs: deps.httpTimeoutMs ?? 30_000,
    caBundlePath: deps.caBundlePath,
    fetchImpl: deps.fetchImpl,
  });
  const limiter = createPortalRateLimiter({
    clock,
    ...(deps.rateLimit === undefined ? {} : { rateLimit: deps.rateLimit }),
    ...(deps.operatingBudget === undefined ? {} : { operatingBudget: deps.operatingBudget }),
  });
  const moves = createPortalMoves({ store: deps.store, allowedDomains: deps.allowedDomains ?? [], logger });
  const queryLimitRetries = deps.queryLimitRetries ?? 3;
  const queryLimitBackoffMs = deps.queryLimitBackoffMs ?? 500;

  async function resolveTarget(memberId: string, method: string): Promise<Target> {
    const credentials = await deps.store.find(memberId);
    if (credentials !== null) return { kind: 'oauth', url: joinUrl(credentials.clientEndpoint, method), credentials };
    if (deps.webhookUrl !== undefined) {
      const base = moves.webhookBase(deps.webhookUrl);
      return { kind: 'webhook', url: joinUrl(base, method), base };
    }
    throw new Bitrix24Error({
      code: Bitrix24LocalError.PORTAL_NOT_INSTALLED,
      status: 0,
      description: `portal ${memberId} has not installed the app and no webhook is configured`,
      method,
    });
  }

  const requestBudget = deps.requestBudget?.(limiter.requests) ?? limiter.requests;

  async function acquireSlot(memberId: string, method: string, opts: Bitrix24CallOptions): Promise<RequestSlot> {
    await limiter.waitForOperatingBudget(memberId, [method, ...(opts.budgetMethods ?? [])], opts.signal);
    return requestBudget.acquire(memberId, opts.priority ?? 'normal', opts.signal);
  }

  async function send(
    memberId: string,
    method: string,
    target: Target,
    params: Bitrix24Params,
    opts: Bitrix24CallOptions,
    granted: RequestSlot | undefined,
  ): Promise<HttpReply> {
    const slot = granted ?? (await acquireSlot(memberId, method, opts));
    const body = target.kind === 'oauth' ? { ...params, auth: target.credentials.accessToken } : params;
    const sentAt = performance.now();
    let reply: HttpReply | undefined;
    let failure: unknown;
    try {
      reply = await transport.post({
        url: target.url,
        contentType: 'application/json',
        body: JSON.stringify(body),
        label: method,
        signal: opts.signal,
        mayFollowTo: moves.mayFollowTo,
      });
      return reply;
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      slot.release();
      const parsed = reply === undefined ? undefined : readReply(reply);
      const failureCode = failure instanceof Bitrix24Error ? failure.code : undefined;
      const code = parsed?.kind === 'error' ? parsed.body.error : failureCode;
      logger.debug(
        {
          memberId,
          method,
          via: target.kind,
          url: redactText(target.url),
          status: reply?.status ?? 0,
          durationMs: reply === undefined ? undefined : Math.round(reply.durationMs),
          code,
        },
        'bitrix24 call',
      );
      deps.onCall?.({ portal: new URL(target.url).host, method, status: reply?.status ?? 0, errorCode: code, durationMs: performance.now() - sentAt });
    }
  }

  /** One request to the portal, with its own refresh and QUERY_LIMIT_EXCEEDED retries; `slot` pays its first attempt. */
  async function request<T>(
    memberId: string,
    method: string,
    params: Bitrix24Params,
    opts: Bitrix24CallOptions,
    slot?: RequestSlot,
  ): Promise<Bitrix24RawResponse<T>> {
    let unspent = slot;
    try {
      return await attempts<T>(memberId, method, params, opts, () => {
        const granted = unspent;
        unspent = undefined;
        return granted;
      });
    } finally {
      unspent?.giveBack();
    }
  }

  async function attempts<T>(
    memberId: string,
    method: string,
    params: Bitrix24Params,
    opts: Bitrix24CallOptions,
    grantedSlot: () => RequestSlot | undefined,
  ): Promise<Bitrix24RawResponse<T>> {
    let target = await resolveTarget(memberId, method);
    let refreshed = false;
    let queryLimitHits = 0;
    for (;;) {
      const reply = await send(memberId, method, target, params, opts, grantedSlot());
      await moves.remember(memberId, target, reply.url);
      const outcome = readReply<T>(reply);
      if (outcome.kind === 'ok') {
        limiter.recordTime(memberId, method, outcome.response.time);
        return outcome.response;
      }
      if (outcome.kind === 'unexpected') throw unexpectedReplyError(reply, method);
      const { error: code, error_description: description, time } = outcome.body;

      if (TOKEN_ERRORS.has(code) && target.kind === 'oauth' && !refreshed) {
        // Refresh lazily and only once per call; the store makes it single-flight per portal.
        const credentials = await deps.store.refresh(memberId, target.credentials.version);
        target = { kind: 'oauth', url: joinUrl(credentials.clientEndpoint, method), credentials };
        refreshed = true;
        continue;
      }
      if (code === 'QUERY_LIMIT_EXCEEDED') {
        requestBudget.noteBucketFull(memberId);
        if (queryLimitHits < queryLimitRetries) {
          await clock.sleep(queryLimitBackoffMs * 2 ** queryLimitHits, opts.signal);
          queryLimitHits += 1;
          continue;
        }
      }
      if (code === 'OPERATION_TIME_LIMIT') {
        const resetAt = time?.operating_reset_at;
        const blockedUntilMs = typeof resetAt === 'number' ? resetAt * 1000 : clock.now() + TEN_MINUTES_MS;
        limiter.noteMethodBlocked(memberId, method, blockedUntilMs);
      }
      throw new Bitrix24Error({ code, status: reply.status, description, method, time, nowMs: clock.now() });
    }
  }

  const batcher: Batcher | undefined =
    deps.batching === true
      ? createBatcher({
          budget: requestBudget,
          send: (memberId, method, params, { slot, priority, signal }) => request(memberId, method, params, { priority, signal }, slot),
          recordTime: (memberId, method, time) => limiter.recordTime(memberId, method, time),
          noteMethodBlocked: (memberId, method, resetAtMs) => limiter.noteMethodBlocked(memberId, method, resetAtMs),
          clock,
          pace: batchPace(deps.rateLimit ?? DEFAULT_RATE_LIMIT),
        })
      : undefined;

  async function callRaw<T>(
    memberId: string,
    method: string,
    params: Bitrix24Params = {},
    opts: Bitrix24CallOptions = {},
  ): Promise<Bitrix24RawResponse<T>> {
    if (batcher !== undefined && batchCommandProblem(method, params) === undefined) {
      await limiter.waitForOperatingBudget(memberId, [method, ...(opts.budgetMethods ?? [])], opts.signal);
      const call = { method, params, priority: opts.priority ?? 'normal', signal: opts.signal, label: opts.label } as const;
      return (await batcher.submit(memberId, call)) as Bitrix24RawResponse<T>;
    }
    return request<T>(memberId, method, params, opts);
  }

  async function callCommands(
    memberId: string,
    commands: readonly (BatchCommand & { label?: string })[],
    opts: Pick<Bitrix24CallOptions, 'signal' | 'priority'> = {},
  ): Promise<Bitrix24CommandOutcome[]> {
    const settled = await Promise.allSettled(
      commands.map((command) => callRaw(memberId, command.method, command.params ?? {}, { ...opts, label: command.label })),
    );
    const failed = settled.find(
      (outcome): outcome is PromiseRejectedResult =>
        outcome.status === 'rejected' && !(outcome.reason instanceof Bitrix24Error && outcome.reason.scope === 'command'),
    );
    if (failed !== undefined) throw failed.reason;
    return settled.map((outcome) => {
      if (outcome.status === 'fulfilled') return { ok: true, response: outcome.value };
      const error = outcome.reason as Bitrix24Error;
      return { ok: false, error: { error: error.code, error_description: error.description } };
    });
  }

  return {
    callRaw,
    async call<T>(memberId: string, method: string, params?: Bitrix24Params, opts?: Bitrix24CallOptions) {
      return (await callRaw<T>(memberId, method, params, opts)).result;
    },
    ...(batcher === undefined ? {} : { callCommands }),
    limiter,
    batchCounters: () => batcher?.counters(),
    close: () => transport.close(),
  };
}
