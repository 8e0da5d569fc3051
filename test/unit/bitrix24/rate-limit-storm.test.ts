import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBitrix24Client, type Bitrix24Client } from '../../../integrations/bitrix24/client.js';
import { createMemoryPortalStore } from '../../support/memory-portal-store.js';
import { portalCredentials } from './support/portal-fixture.js';
import { createLeakyBucket, fail, ok, startStubPortal, type StubPortal } from './support/stub-portal.js';

// Bitrix24's 2/s burst 50, with the drain sped up so 200 calls take ~4 s instead of 75 s.
const LIMITS = { perSecond: 40, burst: 50 };

let portal: StubPortal;
let client: Bitrix24Client;
let rejected = 0;
const bucket = createLeakyBucket(LIMITS.perSecond, LIMITS.burst);

beforeAll(async () => {
  portal = await startStubPortal(() => {
    if (bucket.take()) return ok(true);
    rejected += 1;
    return fail(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests');
  });
  // No in-client retries: any 503 would surface as a failed call.
  client = createBitrix24Client({
    store: createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]),
    rateLimit: LIMITS,
    queryLimitRetries: 0,
  });
});
afterAll(async () => {
  await client.close();
  await portal.close();
});

describe('rate limiter against a portal that enforces the leaky bucket', () => {
  it('a burst of 200 calls all succeed without a single 503', async () => {
    const calls = Array.from({ length: 200 }, () => client.call('member-1', 'crm.item.get', { id: 1 }));
    const results = await Promise.allSettled(calls);
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(rejected).toBe(0);
    expect(portal.requests).toHaveLength(200);
    expect(bucket.peak()).toBeLessThanOrEqual(LIMITS.burst);
    // A fifth of the burst is kept for urgent requests: ordinary calls wait once 40 are counted.
    expect(client.limiter.counters().waits).toBe(160);
  }, 20_000);
});
