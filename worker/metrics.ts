import { Counter, Histogram, type Registry } from 'prom-client';
import type { Bitrix24CallReport } from '../integrations/bitrix24/client.js';
import type { RateLimiterCounters } from '../integrations/bitrix24/rate-limiter.js';
import { bitrix24ErrorLabel, identifierLabel, portalLabel, restMethodLabel, statusClass } from '../lib/metrics/labels.js';
import { createMetricsRegistry } from '../lib/metrics/registry.js';

export const TOKEN_REFRESH_OUTCOMES = { refreshed: 'refreshed', failed: 'failed' } as const;
export type TokenRefreshOutcome = (typeof TOKEN_REFRESH_OUTCOMES)[keyof typeof TOKEN_REFRESH_OUTCOMES];

/** Every metric the worker process exports on its own `/metrics` (the SDK's metrics are served separately). */
export interface WorkerMetrics {
  readonly registry: Registry;
  recordBitrix24Call(report: Bitrix24CallReport): void;
  recordTokenRefresh(outcome: TokenRefreshOutcome): void;
  recordActivityAttempt(activityType: string, outcome: string, durationMs: number): void;
  /** Reads the rate limiter's cumulative counters on every scrape. */
  observeRateLimiter(counters: () => RateLimiterCounters): void;
}

const CALL_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const ACTIVITY_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120];

export function createWorkerMetrics(registry: Registry = createMetricsRegistry()): WorkerMetrics {
  const bitrix24Calls = new Counter({
    name: 'b24_bitrix24_calls_total',
    help: 'HTTP calls to Bitrix24 REST by portal host, method, status class and error code (none on success).',
    labelNames: ['portal', 'method', 'status', 'error_code'],
    registers: [registry],
  });
  const bitrix24CallDuration = new Histogram({
    name: 'b24_bitrix24_call_duration_seconds',
    help: 'Bitrix24 REST call latency (the wait for the rate limit excluded).',
    labelNames: ['method'],
    buckets: CALL_BUCKETS,
    registers: [registry],
  });
  const tokenRefreshes = new Counter({
    name: 'b24_token_refreshes_total',
    help: 'OAuth token refreshes the Bitrix24 client asked for after an expired token, by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const activityAttempts = new Counter({
    name: 'b24_activity_attempts_total',
    help: 'Activity attempts by activity type and outcome.',
    labelNames: ['activity_type', 'outcome'],
    registers: [registry],
  });
  const activityDuration = new Histogram({
    name: 'b24_activity_attempt_duration_seconds',
    help: 'Activity attempt duration by activity type.',
    labelNames: ['activity_type'],
    buckets: ACTIVITY_BUCKETS,
    registers: [registry],
  });

  const limiterSources: (() => RateLimiterCounters)[] = [];
  const zero = (): RateLimiterCounters => ({ waits: 0, waitedMs: 0, operatingWaits: 0, operatingWaitedMs: 0 });
  // The limiters keep cumulative totals; a Counter only grows, so each scrape adds what changed since the last one.
  // Registered before the seconds counter, this collect runs first and updates both.
  let reported = zero();
  const rateLimitWaits = new Counter({
    name: 'b24_rate_limit_waits_total',
    help: 'Bitrix24 calls that waited for the request bucket (kind=bucket) or a method operating budget (kind=operating).',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const current = limiterSources.reduce((sum, read) => {
        const counters = read();
        return {
          waits: sum.waits + counters.waits,
          waitedMs: sum.waitedMs + counters.waitedMs,
          operatingWaits: sum.operatingWaits + counters.operatingWaits,
          operatingWaitedMs: sum.operatingWaitedMs + counters.operatingWaitedMs,
        };
      }, zero());
      const grow = (counter: Counter<'kind'>, kind: string, now: number, before: number, scale = 1) =>
        counter.inc({ kind }, Math.max(0, now - before) / scale);
      grow(rateLimitWaits, 'bucket', current.waits, reported.waits);
      grow(rateLimitWaits, 'operating', current.operatingWaits, reported.operatingWaits);
      grow(rateLimitWaited, 'bucket', current.waitedMs, reported.waitedMs, 1000);
      grow(rateLimitWaited, 'operating', current.operatingWaitedMs, reported.operatingWaitedMs, 1000);
      reported = current;
    },
  });

  const rateLimitWaited = new Counter({
    name: 'b24_rate_limit_wait_seconds_total',
    help: 'Time Bitrix24 calls spent waiting for the rate limit, by kind.',
    labelNames: ['kind'],
    registers: [registry],
  });

  return {
    registry,
    recordBitrix24Call(report) {
      const method = restMethodLabel(report.method);
      bitrix24Calls.inc({
        portal: portalLabel(report.portal),
        method,
        status: statusClass(report.status),
        error_code: bitrix24ErrorLabel(report.errorCode),
      });
      bitrix24CallDuration.observe({ method }, report.durationMs / 1000);
    },
    recordTokenRefresh(outcome) {
      tokenRefreshes.inc({ outcome });
    },
    recordActivityAttempt(activityType, outcome, durationMs) {
      const type = identifierLabel(activityType);
      activityAttempts.inc({ activity_type: type, outcome: identifierLabel(outcome) });
      activityDuration.observe({ activity_type: type }, durationMs / 1000);
    },
    observeRateLimiter(counters) {
      limiterSources.push(counters);
    },
  };
}
