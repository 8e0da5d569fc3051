import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { PlacementItem } from './placement-target.js';

/**
 * The runs page calls back (retry, terminate) with this token instead of the user's Bitrix24 session: it names who
 * opened the page, on which portal and item, and until when, signed with HMAC-SHA256. It is not a secret to the user
 * who holds it, only unforgeable; the Bitrix24 AUTH_ID never reaches the page.
 */
export interface PageClaims extends PlacementItem {
  memberId: string;
  userId: number;
  /** `user.admin` answered true for this user's own token when the page was rendered. */
  admin: boolean;
  /** Unix seconds. */
  expiresAt: number;
}

export const PAGE_TOKEN_TTL_SECONDS = 15 * 60;
const VERSION = 'v1';

export const PAGE_TOKEN_PROBLEM = { invalid: 'invalid', expired: 'expired' } as const;
export type PageTokenProblem = (typeof PAGE_TOKEN_PROBLEM)[keyof typeof PAGE_TOKEN_PROBLEM];

export class PageTokenError extends Error {
  override readonly name = 'PageTokenError';
  constructor(readonly problem: PageTokenProblem) {
    super(problem === PAGE_TOKEN_PROBLEM.expired ? 'the page has expired' : 'the page token is not valid');
  }
}

/** A key of its own, derived from PAYLOAD_CODEC_KEY, so a page token can never be confused with codec material. */
export function derivePageTokenKey(payloadCodecKey: string): Buffer {
  const ikm = Buffer.from(payloadCodecKey, 'base64');
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'b24-temporal/runs-tab/page-token/v1', 32));
}

function sign(key: Buffer, signedPart: string): Buffer {
  return createHmac('sha256', key).update(signedPart, 'utf8').digest();
}

export function issuePageToken(key: Buffer, claims: PageClaims): string {
  const payload = Buffer.from(
    JSON.stringify({
      m: claims.memberId,
      u: claims.userId,
      t: claims.entityTypeId,
      i: claims.itemId,
      a: claims.admin,
      e: claims.expiresAt,
    }),
  ).toString('base64url');
  const signedPart = `${VERSION}.${payload}`;
  return `${signedPart}.${sign(key, signedPart).toString('base64url')}`;
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** Checks the signature (constant time), the shape and the expiry; throws PageTokenError otherwise. */
export function readPageToken(key: Buffer, token: string, nowSeconds: number): PageClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) throw new PageTokenError(PAGE_TOKEN_PROBLEM.invalid);
  const [version, payload, signature] = parts as [string, string, string];
  const expected = sign(key, `${version}.${payload}`);
  const received = Buffer.from(signature, 'base64url');
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    throw new PageTokenError(PAGE_TOKEN_PROBLEM.invalid);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new PageTokenError(PAGE_TOKEN_PROBLEM.invalid);
  }
  const { m, u, t, i, a, e } = raw;
  if (typeof m !== 'string' || !isPositiveInt(u) || !isPositiveInt(t) || !isPositiveInt(i) || typeof a !== 'boolean' || !isPositiveInt(e)) {
    throw new PageTokenError(PAGE_TOKEN_PROBLEM.invalid);
  }
  if (e <= nowSeconds) throw new PageTokenError(PAGE_TOKEN_PROBLEM.expired);
  return { memberId: m, userId: u, entityTypeId: t, itemId: i, admin: a, expiresAt: e };
}
