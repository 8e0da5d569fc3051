import { z } from 'zod';
import { refreshOAuthTokens, type RefreshOAuthTokensInput, type OAuthTokens } from '../integrations/bitrix24/oauth.js';
import type { PortalInstall } from '../contracts/portal.js';
import type { Config } from '../lib/config.js';
import { askBitrix24, describeAnswer, errorCodeOf, methodUrl, PortalUnreachableError } from './install-portal-calls.js';

/** What an install (callback or browser form) claims; endpoints were already checked against the allow-lists. */
export interface InstallClaim {
  memberId: string;
  domain: string;
  clientEndpoint: string;
  serverEndpoint: string;
  /** Null when the install carries none (browser form): the stored one is kept until ONAPPINSTALL brings it. */
  applicationToken: string | null;
  accessToken: string;
  refreshToken: string;
}

/** Whose token the install carries, as the OAuth server knows it. */
export interface InstallIdentity {
  userId: number | undefined;
  /** False while an app with a UI is being installed (until its page calls BX24.installFinish()). */
  installed: boolean;
  /** The app version installed in the portal. */
  appVersion: string | undefined;
}

/**
 * The calls an install needs from Bitrix24. Anyone can POST to the install URL, and every user who opens a widget gets
 * a working token pair, so a claim is believed only when the OAuth server confirms the portal and our app (`identify`),
 * the portal confirms an administrator (`authorize`), and the refresh token refreshes into the same portal.
 */
export interface InstallVerifier {
  /** `app.info` on the OAuth server; throws InstallVerificationError (token no good) or InstallRefusedError. */
  identify(claim: InstallClaim): Promise<InstallIdentity>;
  /** `user.admin` on the portal, then the refresh; the credentials to store (with the refreshed pair). */
  authorize(claim: InstallClaim): Promise<PortalInstall>;
  /** Binds ONAPPINSTALL to `handlerUrl` so an app with a UI receives its application_token when the install completes. */
  bindInstallEvent(install: PortalInstall, handlerUrl: string): Promise<void>;
}

/** The tokens did not prove anything (401); `reason` never contains a token. */
export class InstallVerificationError extends Error {
  override readonly name = 'InstallVerificationError';
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(`install verification failed: ${reason}`, options);
  }
}

/** The tokens are genuine, but not an administrator's install of this app on this portal (403). */
export class InstallRefusedError extends Error {
  override readonly name = 'InstallRefusedError';
  constructor(readonly reason: string) {
    super(`install refused: ${reason}`);
  }
}

/**
 * Bitrix24 answered a check with 5xx (a portal over its request limit answers 503 QUERY_LIMIT_EXCEEDED) on every
 * attempt: nothing is known about the tokens yet, so the sender should retry later (503), not be told they are bad.
 */
export class InstallPortalBusyError extends Error {
  override readonly name = 'InstallPortalBusyError';
  constructor(readonly reason: string) {
    super(`install check postponed: ${reason}`);
  }
}

/** A call the install needs (binding ONAPPINSTALL) failed after the credentials were stored (502). */
export class InstallIncompleteError extends Error {
  override readonly name = 'InstallIncompleteError';
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(`install incomplete: ${reason}`, options);
  }
}

export const INSTALL_VERIFICATION_TIMEOUT_MS = 10_000;

/**
 * Attempts of one check while Bitrix24 answers 5xx, a second apart and then two: a portal's request bucket refills
 * at two a second, so a short wait usually gets an answer within the install's own time.
 */
const BUSY_ATTEMPTS = 3;
const BUSY_PAUSE_MS = 1_000;

export interface BitrixInstallVerifierDeps {
  config: Pick<Config, 'B24_CLIENT_ID' | 'B24_CLIENT_SECRET' | 'B24_OAUTH_HOSTS'>;
  refreshTokens?: (input: RefreshOAuthTokensInput) => Promise<OAuthTokens>;
  timeoutMs?: number;
  /** Pause before the next attempt of a check Bitrix24 answered with 5xx (default a second per attempt so far). */
  busyPauseMs?: (attempt: number) => number;
}

const yes = z
  .union([z.boolean(), z.number(), z.string()])
  .transform((value) => value === true || value === 1 || value === 'Y' || value === 'true' || value === '1');
const textOf = z.union([z.string(), z.number()]).transform(String);

/** `app.info` as the OAuth server answers it (b24pysdk api/responses/bitrix_app_info_response.py). */
const oauthAppInfoSchema = z.object({
  result: z.object({
    client_id: z.string().optional(),
    install: z.object({ member_id: textOf, domain: z.string(), installed: yes, version: textOf.optional() }),
    user_id: textOf.optional(),
  }),
});

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** `example.bitrix24.com:443` and `example.bitrix24.com` are the same portal. */
function sameDomain(a: string, b: string): boolean {
  const normalize = (domain: string) => domain.trim().toLowerCase().replace(/:443$/, '');
  return normalize(a) === normalize(b);
}

export class BitrixInstallVerifier implements InstallVerifier {
  private readonly refreshTokens: (input: RefreshOAuthTokensInput) => Promise<OAuthTokens>;
  private readonly timeoutMs: number;

  constructor(private readonly deps: BitrixInstallVerifierDeps) {
    this.refreshTokens = deps.refreshTokens ?? refreshOAuthTokens;
    this.timeoutMs = deps.timeoutMs ?? INSTALL_VERIFICATION_TIMEOUT_MS;
  }

  /**
   * The OAuth server's `app.info` is the trusted view of a token (b24restdocs settings/oauth/simple-way.md): the portal
   * and domain it belongs to, the app it was issued to and its user. The official Python SDK validates placement and
   * install data the same way (b24pysdk credentials/oauth_placement_data.py `validate_against_app_info`).
   */
  async identify(claim: InstallClaim): Promise<InstallIdentity> {
    const clientId = this.clientCredentials().clientId;
    const url = methodUrl(claim.serverEndpoint, 'app.info');
    url.searchParams.set('auth', claim.accessToken);
    const answer = await this.ask("the OAuth server's app.info", url, { method: 'GET' });
    if (answer.status !== 200) throw new InstallVerificationError(`the OAuth server's app.info answered ${describeAnswer(answer)}`);
    const parsed = oauthAppInfoSchema.safeParse(answer.body);
    if (!parsed.success) throw new InstallVerificationError("the OAuth server's app.info did not describe an install");
    const { client_id: tokenClientId, install, user_id: userId } = parsed.data.result;
    if (install.member_id !== claim.memberId) throw new InstallRefusedError('the token belongs to another portal (member_id)');
    if (!sameDomain(install.domain, claim.domain)) throw new InstallRefusedError('the token belongs to another portal (domain)');
    if (tokenClientId !== undefined && tokenClientId !== clientId) throw new InstallRefusedError('the token was issued to another application');
    return {
      userId: userId !== undefined && /^\d+$/.test(userId) ? Number(userId) : undefined,
      installed: install.installed,
      appVersion: install.version,
    };
  }

  /** Installing, re-installing or updating is an administrator's act (b24restdocs settings/app-installation/index.md). */
  async authorize(claim: InstallClaim): Promise<PortalInstall> {
    const { clientId, clientSecret } = this.clientCredentials();
    const answer = await this.ask("the portal's user.admin", methodUrl(claim.clientEndpoint, 'user.admin'), {
      method: 'POST',
      json: { auth: claim.accessToken },
    });
    if (answer.status !== 200) throw new InstallVerificationError(`the portal's user.admin answered ${describeAnswer(answer)}`);
    const result = typeof answer.body === 'object' && answer.body !== null && 'result' in answer.body ? answer.body.result : undefined;
    if (result !== true) throw new InstallRefusedError('the user whose token came with it is not a portal administrator');

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

  /** `event.bind` (b24restdocs api-reference/events/event-bind.md); a binding that already exists is fine. */
  async bindInstallEvent(install: PortalInstall, handlerUrl: string): Promise<void> {
    const answer = await this.ask("the portal's event.bind", methodUrl(install.clientEndpoint, 'event.bind'), {
      method: 'POST',
      json: { auth: install.accessToken, event: 'ONAPPINSTALL', handler: handlerUrl },
    }).catch((error: unknown) => {
      throw new InstallIncompleteError(error instanceof InstallVerificationError ? error.reason : 'event.bind failed', { cause: error });
    });
    if (answer.status === 200 || errorCodeOf(answer) === 'ERROR_HANDLER_ALREADY_EXIST') return;
    throw new InstallIncompleteError(`binding ONAPPINSTALL answered ${describeAnswer(answer)}`);
  }

  private clientCredentials(): { clientId: string; clientSecret: string } {
    const { B24_CLIENT_ID: clientId, B24_CLIENT_SECRET: clientSecret } = this.deps.config;
    if (!clientId || !clientSecret) throw new InstallVerificationError('B24_CLIENT_ID and B24_CLIENT_SECRET are not configured');
    return { clientId, clientSecret };
  }

  private async ask(label: string, url: URL, init: Parameters<typeof askBitrix24>[2]) {
    for (let attempt = 1; ; attempt += 1) {
      let answer: Awaited<ReturnType<typeof askBitrix24>>;
      try {
        answer = await askBitrix24(label, url, init, this.timeoutMs);
      } catch (error) {
        if (error instanceof PortalUnreachableError) throw new InstallVerificationError(error.reason, { cause: error });
        throw error;
      }
      if (answer.status < 500) return answer;
      if (attempt >= BUSY_ATTEMPTS) throw new InstallPortalBusyError(`${label} answered ${describeAnswer(answer)}`);
      await new Promise((resolve) => setTimeout(resolve, this.deps.busyPauseMs?.(attempt) ?? BUSY_PAUSE_MS * attempt));
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
