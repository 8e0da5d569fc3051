import { afterEach, describe, expect, it } from 'vitest';
import { createBitrix24Client } from '../../../integrations/bitrix24/client.js';
import { createMemoryPortalStore } from '../../support/memory-portal-store.js';
import { SECRET_ACCESS_TOKEN, portalCredentials } from './support/portal-fixture.js';
import { fail, ok, startStubPortal, type StubHandler } from './support/stub-portal.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function portalWith(handler: StubHandler) {
  const portal = await startStubPortal(handler);
  cleanups.push(() => portal.close());
  const store = createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]);
  const b24 = createBitrix24Client({ store });
  cleanups.push(() => b24.close());
  return { portal, store, b24 };
}

const WRONG_AUTH = 'Wrong authorization data';

describe('NO_AUTH_FOUND on an OAuth call', () => {
  it('gets one refresh, and the call succeeds with the fresh token', async () => {
    const { portal, store, b24 } = await portalWith((request) =>
      request.body.auth === SECRET_ACCESS_TOKEN ? fail(401, 'NO_AUTH_FOUND', WRONG_AUTH) : ok('answered'),
    );
    await expect(b24.call('member-1', 'crm.item.get', { entityTypeId: 2, id: 1 })).resolves.toBe('answered');
    expect(store.refreshCount('member-1')).toBe(1);
    expect(portal.requests).toHaveLength(2);
  });

  it('is terminal once the refreshed token is refused too', async () => {
    const { portal, store, b24 } = await portalWith(() => fail(401, 'NO_AUTH_FOUND', WRONG_AUTH));
    await expect(b24.call('member-1', 'crm.item.get', { entityTypeId: 2, id: 1 })).rejects.toMatchObject({
      type: 'Bitrix24.NO_AUTH_FOUND',
      retryable: false,
    });
    expect(store.refreshCount('member-1')).toBe(1);
    expect(portal.requests).toHaveLength(2);
  });
});
