import { createBitrix24Client, type Bitrix24Client } from '../../integrations/bitrix24/client.js';
import type { Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { createLogger } from '../../lib/logger.js';
import { callRest } from '../emulator/helpers.js';
import type { MemoryPortalStore } from '../support/memory-portal-store.js';
import { installedPortalStore } from '../support/emulator-credentials.js';

export const PUBLIC_URL = 'http://127.0.0.1:3999';

/** Every REST method that changes what provisioning manages. */
export const WRITE_METHODS = new Set([
  'crm.type.add',
  'userfieldconfig.add',
  'bizproc.robot.add',
  'bizproc.robot.update',
  'bizproc.robot.delete',
  'bizproc.activity.add',
  'bizproc.activity.update',
  'bizproc.activity.delete',
  'event.bind',
  'event.unbind',
  'placement.bind',
  'placement.unbind',
  'lists.add',
  'lists.field.add',
]);

export interface ProvisioningHarness {
  bitrix24: Bitrix24Client;
  store: MemoryPortalStore;
  accessToken: string;
  /** A REST call with the app's token, as an operator would make by hand. */
  byHand(method: string, params?: Record<string, unknown>): ReturnType<typeof callRest>;
  writesSince(index: number): string[];
  close(): Promise<void>;
}

/** The app installed in the emulator: the client reaches it with the tokens ONAPPINSTALL delivered. */
export async function connectToEmulator(emulator: Bitrix24Emulator): Promise<ProvisioningHarness> {
  const store = await installedPortalStore(emulator);
  const accessToken = (await store.find(emulator.memberId))?.accessToken ?? '';
  const bitrix24 = createBitrix24Client({ store, logger: createLogger({ level: 'silent' }), rateLimit: { perSecond: 1000, burst: 1000 } });
  return {
    bitrix24,
    store,
    accessToken,
    byHand: (method, params = {}) => callRest(emulator.clientEndpoint, method, { ...params, auth: accessToken }),
    writesSince: (index) => emulator.calls.slice(index).filter((call) => WRITE_METHODS.has(call.method)).map((call) => call.method),
    close: () => bitrix24.close(),
  };
}
