import { Context } from '@temporalio/activity';
import { CONFIG_FAILURES } from '../../contracts/failures/config.js';
import type { PortalCredentials } from '../../contracts/portal.js';
import { refreshOAuthTokens } from '../../integrations/bitrix24/oauth.js';

export interface OAuthAppCredentials {
  clientId: string;
  clientSecret: string;
  /** Hosts of OAuth servers a refresh token may be sent to. */
  allowedHosts: string[];
}

export type RefreshedTokens = Pick<PortalCredentials, 'accessToken' | 'refreshToken' | 'expiresAt' | 'scope'>;

/**
 * The one activity that talks to the OAuth server. It runs only inside the per-portal workflow's refresh update,
 * under that workflow's mutex, which is what makes refreshes single-flight per portal across every process.
 */
export function createPortalActivities(deps: { oauth: OAuthAppCredentials | undefined }) {
  return {
    async refreshPortalTokens(input: { serverEndpoint: string; refreshToken: string }): Promise<RefreshedTokens> {
      if (!deps.oauth) {
        throw CONFIG_FAILURES.create('MissingOAuthClient', 'B24_CLIENT_ID and B24_CLIENT_SECRET are required to refresh portal tokens');
      }
      const refreshed = await refreshOAuthTokens({
        serverEndpoint: input.serverEndpoint,
        refreshToken: input.refreshToken,
        clientId: deps.oauth.clientId,
        clientSecret: deps.oauth.clientSecret,
        allowedHosts: deps.oauth.allowedHosts,
        signal: Context.current().cancellationSignal,
      });
      return {
        accessToken: refreshed.accessToken,
        refreshToken: refreshed.refreshToken,
        expiresAt: refreshed.expiresAt,
        scope: refreshed.scope,
      };
    },
  };
}
