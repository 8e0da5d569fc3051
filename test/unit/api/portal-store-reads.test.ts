import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { PortalCredentials } from '../../../contracts/portal.js';
import { createTemporalPortalStore } from '../../../lib/portals/temporal-store.js';
import { MEMBER_ID, storedPortal } from './fakes.js';

/**
 * The portal workflow's credentials query as the store sees it: each question waits until the test answers it, so
 * the test decides what overlaps. `installed` is what the workflow would answer (null: uninstalled).
 */
function slowPortalWorkflow(installed: PortalCredentials | null) {
  const pending: (() => void)[] = [];
  const state = { installed, asked: 0 };
  const client = {
    workflow: {
      getHandle: () => ({
        query: () => {
          state.asked += 1;
          return new Promise<PortalCredentials>((resolve, reject) => {
            pending.push(() => (state.installed ? resolve(state.installed) : reject(new WorkflowNotFoundError('not found', 'portal', undefined))));
          });
        },
      }),
    },
  } as unknown as Client;
  const answerAll = async () => {
    for (const answer of pending.splice(0)) answer();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { client, state, answerAll };
}

/** A store on a manual clock that has read the installed portal's credentials once. */
async function storeAfterOneRead() {
  const clock = { ms: 1_000_000 };
  const portal = slowPortalWorkflow(storedPortal({ version: 1 }));
  const store = createTemporalPortalStore({ client: portal.client, taskQueue: 'q', now: () => clock.ms });
  const first = store.find(MEMBER_ID);
  await portal.answerAll();
  await first;
  return { portal, store, clock };
}

describe('portal credentials read by the API and the workers', () => {
  it('asks the portal workflow once however many calls arrive together on a cold cache', async () => {
    const portal = slowPortalWorkflow(storedPortal({ version: 1 }));
    const store = createTemporalPortalStore({ client: portal.client, taskQueue: 'q' });
    const finds = Array.from({ length: 32 }, () => store.find(MEMBER_ID));
    await portal.answerAll();
    const found = await Promise.all(finds);
    expect(portal.state.asked).toBe(1);
    expect(found.every((credentials) => credentials?.memberId === MEMBER_ID)).toBe(true);
  });

  it('answers from the cache past half its life and reads ahead once, so no call waits for an expiry', async () => {
    const { portal, store, clock } = await storeAfterOneRead();
    clock.ms += 16_000;
    portal.state.installed = storedPortal({ version: 2 });
    // The query below is not answered yet: these calls are answered from the cache all the same.
    const during = await Promise.all(Array.from({ length: 10 }, () => store.find(MEMBER_ID)));
    expect(during.map((credentials) => credentials?.version)).toEqual(Array(10).fill(1));
    expect(portal.state.asked).toBe(2);
    await portal.answerAll();

    // The read ahead renewed the entry: 30 s after the first read (its expiry) it is fresh, with the new version.
    clock.ms += 14_000;
    expect((await store.find(MEMBER_ID))?.version).toBe(2);
    expect(portal.state.asked).toBe(2);
  });

  it('forgets an uninstalled portal when a read ahead finds no credentials', async () => {
    const { portal, store, clock } = await storeAfterOneRead();
    clock.ms += 16_000;
    portal.state.installed = null;
    await store.find(MEMBER_ID);
    await portal.answerAll();
    expect(await store.find(MEMBER_ID)).toBeNull();
  });

  it('keeps an install made while a read was under way', async () => {
    const portal = slowPortalWorkflow(null);
    const store = createTemporalPortalStore({ client: portal.client, taskQueue: 'q' });
    const before = store.find(MEMBER_ID);
    // The install's Update answers while the older read is still waiting for the workflow.
    (portal.client.workflow as unknown as { executeUpdateWithStart: () => Promise<PortalCredentials> }).executeUpdateWithStart = async () =>
      storedPortal({ version: 1 });
    await store.install({ ...storedPortal({ version: 1 }) } as never);
    await portal.answerAll();
    expect((await before)?.memberId).toBe(MEMBER_ID);
    expect((await store.find(MEMBER_ID))?.memberId).toBe(MEMBER_ID);
  });
});
