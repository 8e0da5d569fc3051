import { randomBytes } from 'node:crypto';

export interface IssuedAccessToken {
  userId: number;
  expiresAt: number;
  forcedExpired: boolean;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Unix seconds. */
  expires: number;
  expiresIn: number;
  userId: number;
}

export const ACCESS_CHECK = { valid: 'valid', expired: 'expired', unknown: 'unknown' } as const;
export type AccessCheck =
  | { kind: typeof ACCESS_CHECK.valid; userId: number }
  | { kind: typeof ACCESS_CHECK.expired }
  | { kind: typeof ACCESS_CHECK.unknown };

export interface RefreshAttempt {
  at: number;
  outcome: 'ok' | 'invalid_client' | 'invalid_grant' | 'invalid_request';
}

function randomToken(): string {
  return randomBytes(32).toString('hex');
}

/** Access and refresh tokens of the emulated OAuth server. A refresh token works once (rotation). */
export class OAuthTokens {
  private readonly accessTokens = new Map<string, IssuedAccessToken>();
  private readonly refreshTokens = new Map<string, { userId: number; used: boolean }>();
  readonly refreshAttempts: RefreshAttempt[] = [];

  constructor(
    private readonly ttlSeconds: number,
    private readonly unixSeconds: () => number,
  ) {}

  issue(userId: number): TokenPair {
    const accessToken = randomToken();
    const refreshToken = randomToken();
    const expires = this.unixSeconds() + this.ttlSeconds;
    this.accessTokens.set(accessToken, { userId, expiresAt: expires, forcedExpired: false });
    this.refreshTokens.set(refreshToken, { userId, used: false });
    return { accessToken, refreshToken, expires, expiresIn: this.ttlSeconds, userId };
  }

  check(accessToken: string): AccessCheck {
    const token = this.accessTokens.get(accessToken);
    if (!token) return { kind: ACCESS_CHECK.unknown };
    if (token.forcedExpired || token.expiresAt <= this.unixSeconds()) return { kind: ACCESS_CHECK.expired };
    return { kind: ACCESS_CHECK.valid, userId: token.userId };
  }

  /** Unix seconds when the access token expires; 0 when it is unknown. */
  expiresAt(accessToken: string): number {
    return this.accessTokens.get(accessToken)?.expiresAt ?? 0;
  }

  /** Returns a new pair, or null when the refresh token is unknown or was already used. */
  rotate(refreshToken: string): TokenPair | null {
    const grant = this.refreshTokens.get(refreshToken);
    if (!grant || grant.used) return null;
    grant.used = true;
    return this.issue(grant.userId);
  }

  recordAttempt(outcome: RefreshAttempt['outcome']): void {
    this.refreshAttempts.push({ at: this.unixSeconds(), outcome });
  }

  /** Successful refreshes so far. */
  /** Every access and refresh token handed out so far, for tests asserting they never leak into logs or histories. */
  issuedSecrets(): string[] {
    return [...this.accessTokens.keys(), ...this.refreshTokens.keys()];
  }

  get refreshCount(): number {
    return this.refreshAttempts.filter((attempt) => attempt.outcome === 'ok').length;
  }

  expireAll(): void {
    for (const token of this.accessTokens.values()) token.forcedExpired = true;
  }

  /** Uninstall: every access and refresh token stops working (later calls answer like unknown tokens). */
  revokeAll(): void {
    this.accessTokens.clear();
    this.refreshTokens.clear();
  }
}
