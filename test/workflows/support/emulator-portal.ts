import { pino } from 'pino';
import { withApplicationFailures, type Bitrix24Caller } from '../../../integrations/bitrix24/caller.js';
import { createBitrix24Client, type Bitrix24Client } from '../../../integrations/bitrix24/client.js';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../../emulators/bitrix24/index.js';
import type { MemoryPortalStore } from '../../support/memory-portal-store.js';
import { installedPortalStore } from '../../support/emulator-credentials.js';

export interface EmulatorPortal {
  emulator: Bitrix24Emulator;
  /** Holds the emulator portal's credentials, as the production store would after ONAPPINSTALL. */
  store: MemoryPortalStore;
  /** The real client (rate limiter, error catalogue) with ApplicationFailure errors, as the worker builds it. */
  bitrix24: Bitrix24Caller;
  close(): Promise<void>;
}

/** The embedded Bitrix24 emulator with the app installed and a real client pointed at it. */
export async function startEmulatorPortal(): Promise<EmulatorPortal> {
  const emulator = await startBitrix24Emulator({ rateLimit: false });
  const store = await installedPortalStore(emulator);
  const client: Bitrix24Client = createBitrix24Client({ store, logger: pino({ level: 'silent' }), httpTimeoutMs: 5_000 });
  return {
    emulator,
    store,
    bitrix24: withApplicationFailures(client),
    async close() {
      await client.close();
      await emulator.close();
    },
  };
}
