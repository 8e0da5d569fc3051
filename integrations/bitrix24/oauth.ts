import { z } from 'zod';
import { Bitrix24Error, Bitrix24LocalError } from './errors.js';
import { readReply } from './response.js';
import { createTransport, type Transport } from './transport.js';

const TOKEN_CALL = 'oauth.token';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface RefreshOAuthTokensInput {
  /** `auth[server_endpoint]`, e.g. https://oauth.bitrix.info/rest/ */
  serverEndpoint: string;
  refreshToken: string;
  clientId: string;
  clientSecret: string;
  /** Hosts (config B24_OAUTH_HOSTS) we may send a refresh token to; `host` or `host:port`. */
  allowedHosts: readonly string[];
  signal?: AbortSignal | undefined;
  /** Reuse the client's connection pool; otherwise one is opened and closed for this call. */
  transport?: Transport | undefined;
  httpTimeoutMs?: number | undefined;
  nowMs?: number | undefined;
}

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  /** Unix seconds. */
  expiresAt: number;
  memberId: string;
  clientEndpoint: string;
  domain: string;
  scope: string;
  serverEndpoint: string;
  userId: number | undefined;
  status: string | undefined;
}

const numeric = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires: numeric.optional(),
  expires_in: numeric.optional(),
  member_id: z.string().min(1),
  client_endpoint: z.string().min(1),
  domain: z.string().default(''),
  scope: z.string().default(''),
  server_endpoint: z.string().min(1),
  user_id: numeric.optional(),
  status: z.string().optional(),
});

/** `{server_endpoint}/../oauth/token/`: oauth.bitrix.info/rest/ → /oauth/token/, and the emulator's prefixed path. */
export function oauthTokenUrl(serverEndpoint: string): URL {
  return new URL('../oauth/token/', serverEndpoint);
}

/** True when a refresh token and the client secret may be sent to `url`: an allowed OAuth host, over https. */
export function isAllowedOAuthUrl(url: URL, allowedHosts: readonly string[]): boolean {
  const allowed = allowedHosts.map((host) => host.trim().toLowerCase());
  const hostAllowed = allowed.includes(url.hostname.toLowerCase()) || allowed.includes(url.host.toLowerCase());
  // Refresh tokens and the client secret travel only over https, except to a local emulator.
  const transportSafe = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  return hostAllowed && transportSafe;
}

function assertAllowedHost(url: URL, allowedHosts: readonly string[]): void {
  if (isAllowedOAuthUrl(url, allowedHosts)) return;
  throw new Bitrix24Error({
    code: Bitrix24LocalError.OAUTH_HOST_NOT_ALLOWED,
    status: 0,
    description: `${url.protocol}//${url.host} is not an allowed OAuth server`,
    method: TOKEN_CALL,
  });
}

/**
 * Exchanges a refresh token for a new pair. The old refresh token is dead afterwards: callers must store the new one
 * (the PortalStore does this single-flight per portal). Throws Bitrix24Error: `invalid_grant` etc. are non-retryable.
 */
export async function refreshOAuthTokens(input: RefreshOAuthTokensInput): Promise<OAuthTokens> {
  const url = oauthTokenUrl(input.serverEndpoint);
  assertAllowedHost(url, input.allowedHosts);
  const transport = input.transport ?? createTransport({ httpTimeoutMs: input.httpTimeoutMs ?? 30_000 });
  try {
    const reply = await transport.post({
      url: url.toString(),
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: input.clientId,
        client_secret: input.clientSecret,
        refresh_token: input.refreshToken,
      }).toString(),
      label: TOKEN_CALL,
      signal: input.signal,
      // The allow-list holds for every hop: a redirect elsewhere would carry the secret and the refresh token with it.
      mayFollowTo: (next) => isAllowedOAuthUrl(next, input.allowedHosts),
    });
    const outcome = readReply(reply);
    if (outcome.kind === 'error') {
      const { error, error_description: description } = outcome.body;
      throw new Bitrix24Error({ code: error, status: reply.status, description, method: TOKEN_CALL });
    }
    if (reply.status >= 300) {
      const description = 'OAuth server error';
      throw new Bitrix24Error({ code: '', status: reply.status, description, method: TOKEN_CALL });
    }
    return toTokens(reply.json, input.nowMs ?? Date.now());
  } finally {
    if (input.transport === undefined) await transport.close();
  }
}

function toTokens(json: unknown, nowMs: number): OAuthTokens {
  const parsed = tokenResponseSchema.safeParse(json);
  if (!parsed.success) {
    // Name the fields only: the body holds tokens.
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].join(', ');
    throw new Bitrix24Error({
      code: Bitrix24LocalError.UNEXPECTED_RESPONSE,
      status: 200,
      description: `token response lacks valid ${fields}`,
      method: TOKEN_CALL,
    });
  }
  const body = parsed.data;
  const expiresAt = body.expires ?? Math.floor(nowMs / 1000) + (body.expires_in ?? 3600);
  return {
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    expiresAt,
    memberId: body.member_id,
    clientEndpoint: body.client_endpoint,
    domain: body.domain,
    scope: body.scope,
    serverEndpoint: body.server_endpoint,
    userId: body.user_id,
    status: body.status,
  };
}
