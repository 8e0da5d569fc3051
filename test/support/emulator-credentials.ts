import type { Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { installForTokens } from '../emulator/helpers.js';
import { createMemoryPortalStore, type MemoryPortalStore } from './memory-portal-store.js';

/**
 * Installs the app into the emulator (ONAPPINSTALL to a capture server) and returns an in-memory portal store holding
 * the delivered credentials, for tests that drive the real Bitrix24 client against the emulator without the API.
 */
export async function installedPortalStore(emulator: Bitrix24Emulator): Promise<MemoryPortalStore> {
  const { accessToken, refreshToken } = await installForTokens(emulator);
  return createMemoryPortalStore([
    {
      memberId: emulator.memberId,
      domain: emulator.domain,
      clientEndpoint: emulator.clientEndpoint,
      serverEndpoint: emulator.serverEndpoint,
      applicationToken: emulator.applicationToken,
      accessToken,
      refreshToken,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      scope: 'crm,bizproc,task,im,lists,placement,userfieldconfig,event',
      version: 1,
    },
  ]);
}
