import { createRemoteJWKSet, jwtVerify, errors as joseErrors } from 'jose';
import type { Config } from '../../lib/config.js';
import { sameToken } from '../sender-verification.js';

export type CodecCaller =
  | { kind: 'anonymous' }
  | { kind: 'static-token' }
  | { kind: 'oidc'; subject: string | undefined };

/** Why a caller was refused; stable codes for the log line (the answer itself is always the same 401). */
export const CODEC_REFUSALS = {
  NO_TOKEN: 'no Authorization: Bearer header',
  NO_VERIFIER: 'neither CODEC_STATIC_TOKEN nor CODEC_OIDC_* is configured',
  TOKEN_REJECTED: 'the token is not the static token and not a valid access token of the configured issuer',
} as const;

export class CodecCallerRefused extends Error {
  override readonly name = 'CodecCallerRefused';

  constructor(
    readonly code: keyof typeof CODEC_REFUSALS,
    /** jose's error code (ERR_JWT_EXPIRED, ERR_JWT_CLAIM_VALIDATION_FAILED, ...) when the JWT check failed. */
    readonly detail?: string,
  ) {
    super(CODEC_REFUSALS[code]);
  }
}

export type CodecCallerVerifier = (authorization: string | undefined) => Promise<CodecCaller>;

type CodecAuthConfig = Pick<
  Config,
  'CODEC_AUTH' | 'CODEC_STATIC_TOKEN' | 'CODEC_OIDC_ISSUER' | 'CODEC_OIDC_AUDIENCE' | 'CODEC_OIDC_JWKS_URL'
>;

/** Clock skew between the identity provider and us that an `exp`/`nbf` check forgives. */
const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Who may use the codec: with CODEC_AUTH=off (loopback only, see lib/config.ts) anyone; otherwise the caller shows
 * either the static token (the CLI's `--codec-auth`) or an OIDC access token (the Web UI with pass-access-token),
 * a JWT verified against the issuer's JWKS, issuer and audience. The JWKS is fetched lazily and cached by jose.
 */
export function createCodecCallerVerifier(config: CodecAuthConfig): CodecCallerVerifier {
  if (config.CODEC_AUTH === 'off') return async () => ({ kind: 'anonymous' });
  const { CODEC_STATIC_TOKEN: staticToken, CODEC_OIDC_ISSUER: issuer, CODEC_OIDC_AUDIENCE: audience } = config;
  const jwks = config.CODEC_OIDC_JWKS_URL ? createRemoteJWKSet(new URL(config.CODEC_OIDC_JWKS_URL), { timeoutDuration: 5_000 }) : undefined;

  return async (authorization) => {
    if (staticToken === undefined && jwks === undefined) throw new CodecCallerRefused('NO_VERIFIER');
    const token = bearerToken(authorization);
    if (token === undefined) throw new CodecCallerRefused('NO_TOKEN');
    if (staticToken !== undefined && sameToken(token, staticToken)) return { kind: 'static-token' };
    if (jwks === undefined || issuer === undefined || audience === undefined) throw new CodecCallerRefused('TOKEN_REJECTED');
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer,
        audience,
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      return { kind: 'oidc', subject: payload.sub };
    } catch (error) {
      throw new CodecCallerRefused('TOKEN_REJECTED', error instanceof joseErrors.JOSEError ? error.code : 'ERR_UNKNOWN');
    }
  };
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}
