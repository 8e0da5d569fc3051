import type { PortalCredentials } from '../../../../contracts/portal.js';

export const SECRET_ACCESS_TOKEN = 'acc-SECRET-5f1c2b9e7d';
export const SECRET_REFRESH_TOKEN = 'ref-SECRET-0a9b8c7d6e';

/** Credentials of one installed portal whose REST base is `clientEndpoint`. */
export function portalCredentials(
  clientEndpoint: string,
  overrides: Partial<PortalCredentials> = {},
): PortalCredentials {
  return {
    memberId: 'member-1',
    domain: 'example.bitrix24.com',
    clientEndpoint,
    serverEndpoint: 'https://oauth.bitrix.info/rest/',
    applicationToken: 'app-token-x',
    accessToken: SECRET_ACCESS_TOKEN,
    refreshToken: SECRET_REFRESH_TOKEN,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    scope: 'crm,bizproc',
    version: 1,
    ...overrides,
  };
}
