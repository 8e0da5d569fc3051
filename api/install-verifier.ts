import { refreshOAuthTokens, type RefreshOAuthTokensInput, type OAuthTokens } from '../integrations/bitrix24/oauth.js';
import type { PortalInstall } from '../contracts/portal.js';
import type { Config } from '../lib/config.js';

/** What the install callback claims; endpoints were already checked against the allow-lists (install-policy.ts). */
export interface InstallClaim {
  memberId: string;
  domain: string;
  clientEndpoint: string;
  serverEndpoint: string;
  applicationToken: string;
  accessToken: string;
  refreshToken: string;
}

/** Confirms an install callback against the portal and the OAuth server before anything is stored. */
export interface InstallVerifier {
  /** The credentials to store (with the refreshed token pair), or throws InstallVerificationError. */
  verify(claim: InstallClaim): Promise<PortalInstall>;
}

export class InstallVerificationError extends Error {
  override readonly name = 'InstallVerificationError';

  /** `reason` is safe to show the sender and to log: it never contains a token. */
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(`install verification failed: ${reason}`, options);
  }
}

export const INSTALL_VERIFICATION_TIMEOUT_MS = 10_000;

export interface BitrixInstallVerifierDeps {
  config: Pick<Config, 'B24_CLIENT_ID' | 'B24_CLIENT_SECRET' | 'B24_OAUTH_HOSTS'>;
  refreshTokens?: (input: RefreshOAuthTokensInput) => Promise<OAuthTokens>;
  timeoutMs?: number;
}

/** `${client_endpoint}app.info`, tolerating an endpoint without its trailing slash. */
function appInfoUrl(clientEndpoint: string): URL {
  return new URL('app.info', clientEndpoint.endsWith('/') ? clientEndpoint : `${clientEndpoint}/`);
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Anyone can POST an install callback, so its tokens are proven before they are stored: the access token must work
 * on the portal (`app.info`), and the refresh token must refresh with our client credentials into the same portal.
 * The refresh rotates the pair, so the refreshed one is what gets stored.
 */
export class BitrixInstallVerifier implements InstallVerifier {
  private readonly refreshTokens: (input: RefreshOAuthTokensInput) => Promise<OAuthTokens>;
  private readonly timeoutMs: number;

  constructor(private readonly deps: BitrixInstallVerifierDeps) {
    this.refreshTokens = deps.refreshTokens ?? refreshOAuthTokens;
    this.timeoutMs = deps.timeoutMs ?? INSTALL_VERIFICATION_TIMEOUT_MS;
  }

  async verify(claim: InstallClaim): Promise<PortalInstall> {
    const { B24_CLIENT_ID: clientId, B24_CLIENT_SECRET: clientSecret } = this.deps.config;
    if (!clientId || !clientSecret) throw new InstallVerificationError('B24_CLIENT_ID and B24_CLIENT_SECRET are not configured');

    await this.confirmAccessToken(claim);
    const tokens = await this.refresh(claim, clientId, clientSecret);
    if (tokens.memberId !== claim.memberId) throw new InstallVerificationError('the OAuth server reports a different member_id');
    const refreshedHost = hostOf(tokens.clientEndpoint);
    if (refreshedHost !== undefined && refreshedHost !== hostOf(claim.clientEndpoint)) {
      throw new InstallVerificationError('the OAuth server reports a different portal endpoint');
    }
    return {
      memberId: claim.memberId,
      domain: claim.domain,
      clientEndpoint: claim.clientEndpoint,
      serverEndpoint: claim.serverEndpoint,
      applicationToken: claim.applicationToken,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      scope: tokens.scope,
    };
  }

  private async confirmAccessToken(claim: InstallClaim): Promise<void> {
    let response: Response;
    try {
      response = await fetch(appInfoUrl(claim.clientEndpoint), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ auth: claim.accessToken }),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'could not be reached';
      throw new InstallVerificationError(`the portal's app.info ${reason}`, { cause: error });
    }
    const body: unknown = await response.json().catch(() => undefined);
    const hasResult = typeof body === 'object' && body !== null && 'result' in body;
    if (response.status !== 200 || !hasResult) {
      const code = typeof body === 'object' && body !== null && 'error' in body ? String(body.error).slice(0, 64) : '';
      throw new InstallVerificationError(`the portal's app.info answered HTTP ${response.status}${code ? ` ${code}` : ''}`);
    }
  }

  private async refresh(claim: InstallClaim, clientId: string, clientSecret: string): Promise<OAuthTokens> {
    try {
      return await this.refreshTokens({
        serverEndpoint: claim.serverEndpoint,
        refreshToken: claim.refreshToken,
        clientId,
        clientSecret,
        allowedHosts: this.deps.config.B24_OAUTH_HOSTS,
        signal: AbortSignal.timeout(this.timeoutMs),
        httpTimeoutMs: this.timeoutMs,
      });
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code).slice(0, 64) : '';
      throw new InstallVerificationError(`the OAuth refresh failed${code ? ` (${code})` : ''}`, { cause: error });
    }
  }
}
