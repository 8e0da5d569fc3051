import { afterEach, describe, expect, it } from 'vitest';
import { createBitrix24Client } from '../../../integrations/bitrix24/client.js';
import { bitrix24ErrorLabel, portalLabel, restMethodLabel } from '../../../lib/metrics/labels.js';
import { createMetricsRegistry } from '../../../lib/metrics/registry.js';
import { createWorkerMetrics } from '../../../worker/metrics.js';
import { startMetricsServer } from '../../../lib/metrics/server.js';
import { countTokenRefreshes } from '../../../worker/refresh-counting-store.js';
import { createMemoryPortalStore } from '../../support/memory-portal-store.js';
import { portalCredentials, SECRET_ACCESS_TOKEN, SECRET_REFRESH_TOKEN } from '../bitrix24/support/portal-fixture.js';
import { fail, methodOf, ok, startStubPortal, type StubHandler } from '../bitrix24/support/stub-portal.js';
import { sampleValue } from './prometheus-text.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A hex token of the length Bitrix24 issues: the shape a label must never take. */
const HEX_TOKEN = 'a3f9c2e1b4d5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4';

async function workerSetup(handler: StubHandler, rateLimit = { perSecond: 50, burst: 50 }) {
  const portal = await startStubPortal(handler);
  cleanups.push(() => portal.close());
  const metrics = createWorkerMetrics(createMetricsRegistry({ processMetrics: false }));
  const store = createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]);
  const client = createBitrix24Client({
    store: countTokenRefreshes(store, (outcome) => metrics.recordTokenRefresh(outcome)),
    onCall: (report) => metrics.recordBitrix24Call(report),
    rateLimit,
    queryLimitRetries: 0,
  });
  cleanups.push(() => client.close());
  metrics.observeRateLimiter(() => client.limiter.counters());
  const server = await startMetricsServer({ registry: metrics.registry, host: '127.0.0.1', port: 0 });
  cleanups.push(() => server.close());
  const scrape = async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  };
  return { client, scrape, store, portalHost: new URL(portal.url).host };
}

describe('worker metrics endpoint', () => {
  it('counts Bitrix24 calls by method, status class and error code, and token refreshes', async () => {
    const { client, scrape, store, portalHost } = await workerSetup((request) => {
      const method = methodOf(request);
      if (method === 'crm.deal.update') return fail(403, 'ACCESS_DENIED', 'Access denied');
      // The first token is expired: one refresh, then the call goes through with the new token.
      if (request.body.auth === SECRET_ACCESS_TOKEN) return fail(401, 'expired_token', 'The access token provided has expired.');
      return ok({ ID: 1 });
    });

    await client.call('member-1', 'crm.deal.get', { id: 1 });
    await client.call('member-1', 'crm.deal.get', { id: 2 });
    await expect(client.call('member-1', 'crm.deal.update', { id: 1 })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });

    const text = await scrape();
    const get = { method: 'crm.deal.get' };
    expect(sampleValue(text, 'b24_bitrix24_calls_total', { ...get, status: '4xx', error_code: 'expired_token' })).toBe(1);
    expect(sampleValue(text, 'b24_bitrix24_calls_total', { ...get, status: '2xx', error_code: 'none' })).toBe(2);
    expect(sampleValue(text, 'b24_bitrix24_calls_total', { portal: portalHost, ...get, status: '2xx' })).toBe(2);
    expect(sampleValue(text, 'b24_bitrix24_calls_total', { method: 'crm.deal.update', error_code: 'ACCESS_DENIED' })).toBe(1);
    expect(sampleValue(text, 'b24_bitrix24_call_duration_seconds_count', get)).toBe(3);
    expect(sampleValue(text, 'b24_token_refreshes_total', { outcome: 'refreshed' })).toBe(1);
    expect(store.refreshCount('member-1')).toBe(1);
  });

  it('reports rate-limit waits from the limiter counters, growing between scrapes', async () => {
    const { client, scrape } = await workerSetup(() => ok(true), { perSecond: 100, burst: 1 });

    await Promise.all([1, 2, 3].map((id) => client.call('member-1', 'crm.deal.get', { id })));
    const first = await scrape();
    const waitsAfterFirst = sampleValue(first, 'b24_rate_limit_waits_total', { kind: 'bucket' }) ?? 0;
    expect(waitsAfterFirst).toBeGreaterThanOrEqual(2);
    expect(sampleValue(first, 'b24_rate_limit_wait_seconds_total', { kind: 'bucket' })).toBeGreaterThan(0);
    expect(waitsAfterFirst).toBe(client.limiter.counters().waits);

    await Promise.all([4, 5].map((id) => client.call('member-1', 'crm.deal.get', { id })));
    const second = await scrape();
    expect(sampleValue(second, 'b24_rate_limit_waits_total', { kind: 'bucket' })).toBe(client.limiter.counters().waits);
    expect(client.limiter.counters().waits).toBeGreaterThan(waitsAfterFirst);
  });

  it('never puts a token into a label, even when Bitrix24 echoes one as a code or it is passed as a method', async () => {
    const { client, scrape } = await workerSetup((request) => {
      if (methodOf(request) === 'crm.deal.list') return fail(400, HEX_TOKEN, `bad ${SECRET_REFRESH_TOKEN}`);
      return fail(400, SECRET_ACCESS_TOKEN, 'echo');
    });
    await expect(client.call('member-1', 'crm.deal.list')).rejects.toBeDefined();
    await expect(client.call('member-1', HEX_TOKEN)).rejects.toBeDefined();
    await expect(client.call('member-1', SECRET_ACCESS_TOKEN)).rejects.toBeDefined();

    const text = await scrape();
    for (const secret of [HEX_TOKEN, SECRET_ACCESS_TOKEN, SECRET_REFRESH_TOKEN]) expect(text).not.toContain(secret);
    expect(sampleValue(text, 'b24_bitrix24_calls_total', { method: 'crm.deal.list', error_code: 'other' })).toBe(1);
    expect(sampleValue(text, 'b24_bitrix24_calls_total', { method: 'other' })).toBeGreaterThanOrEqual(1);
  });

  it('keeps real method names and error codes as they are', () => {
    expect(restMethodLabel('crm.item.productrow.list')).toBe('crm.item.productrow.list');
    expect(restMethodLabel('batch')).toBe('batch');
    expect(restMethodLabel('bizproc.event.send')).toBe('bizproc.event.send');
    expect(bitrix24ErrorLabel('QUERY_LIMIT_EXCEEDED')).toBe('QUERY_LIMIT_EXCEEDED');
    expect(bitrix24ErrorLabel('ERROR_ACTIVITY_ALREADY_INSTALLED')).toBe('ERROR_ACTIVITY_ALREADY_INSTALLED');
    expect(bitrix24ErrorLabel('invalid_grant')).toBe('invalid_grant');
    expect(bitrix24ErrorLabel(undefined)).toBe('none');
    expect(portalLabel('Example.Bitrix24.com')).toBe('example.bitrix24.com');
    expect(portalLabel('crm.example.ru:8443')).toBe('crm.example.ru:8443');
    expect(portalLabel('user:secret@example.com')).toBe('other');
  });

  it('answers 404 outside /metrics', async () => {
    const metrics = createWorkerMetrics(createMetricsRegistry({ processMetrics: false }));
    const server = await startMetricsServer({ registry: metrics.registry, host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.close());
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
  });
});

describe('worker observability settings', () => {
  it('come from the one config schema: 9464 and 9465 on loopback, 0 (off), and a wrong variable named without its value', async () => {
    const { loadConfig } = await import('../../../lib/config.js');
    const key = { PAYLOAD_CODEC_KEY: Buffer.alloc(32).toString('base64') };
    expect(loadConfig(key)).toMatchObject({ HOST: '127.0.0.1', WORKER_METRICS_PORT: 9464, TEMPORAL_SDK_METRICS_PORT: 9465, TEMPORAL_SDK_LOG_LEVEL: 'INFO' });
    expect(loadConfig({ ...key, WORKER_METRICS_PORT: '0', TEMPORAL_SDK_METRICS_PORT: '' })).toMatchObject({
      WORKER_METRICS_PORT: 0,
      TEMPORAL_SDK_METRICS_PORT: 9465,
    });
    expect(() => loadConfig({ ...key, WORKER_METRICS_PORT: 'secret-ish-70000' })).toThrow(/WORKER_METRICS_PORT/);
    expect(() => loadConfig({ ...key, WORKER_METRICS_PORT: 'secret-ish-70000' })).not.toThrow(/secret-ish/);
    expect(() => loadConfig({ ...key, TEMPORAL_SDK_LOG_LEVEL: 'LOUD' })).toThrow(/TEMPORAL_SDK_LOG_LEVEL/);
  });
});
