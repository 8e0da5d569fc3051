import type { Logger } from 'pino';
import { createLogger, redactText } from '../../lib/logger.js';
import type { PortalStore } from '../../lib/portals/store.js';
import { systemClock, type Clock } from './clock.js';
import { Bitrix24Error, Bitrix24LocalError } from './errors.js';
import {
  createPortalRateLimiter,
  type OperatingBudgetSettings,
  type PortalRateLimiter,
  type RateLimitSettings,
  type RequestPriority,
} from './rate-limiter.js';
import { createPortalMoves, type RestTarget } from './portal-moves.js';
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
}

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
  /** The per-portal request budget; its counters feed metrics. */
  readonly limiter: PortalRateLimiter;
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

  async function send(
    memberId: string,
    method: string,
    target: Target,
    params: Bitrix24Params,
    opts: Bitrix24CallOptions,
  ): Promise<HttpReply> {
    const release = await limiter.acquire(memberId, [method, ...(opts.budgetMethods ?? [])], opts.signal, opts.priority);
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
      release();
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

  async function callRaw<T>(
    memberId: string,
    method: string,
    params: Bitrix24Params = {},
    opts: Bitrix24CallOptions = {},
  ): Promise<Bitrix24RawResponse<T>> {
    let target = await resolveTarget(memberId, method);
    let refreshed = false;
    let queryLimitHits = 0;
    for (;;) {
      const reply = await send(memberId, method, target, params, opts);
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
        limiter.noteBucketFull(memberId);
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

  return {
    callRaw,
    async call<T>(memberId: string, method: string, params?: Bitrix24Params, opts?: Bitrix24CallOptions) {
      return (await callRaw<T>(memberId, method, params, opts)).result;
    },
    limiter,
    close: () => transport.close(),
  };
}
