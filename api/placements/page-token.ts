import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { PlacementItem } from './placement-target.js';

/**
 * The runs page calls back (view, retry, terminate) with this token: it names who opened the page, on which portal
 * and item, until when, and carries that user's own Bitrix24 token (`AUTH_ID`), so every action can ask Bitrix24
 * again, as that user, whether they are still an administrator. It is sealed with AES-256-GCM: unforgeable, and the
 * Bitrix24 token inside stays unreadable to anyone who sees the page (a proxy log, a cached copy).
 */
export interface PageClaims extends PlacementItem {
  memberId: string;
  userId: number;
  /** Unix seconds. */
  expiresAt: number;
}

/** What only the API reads back: the claims and the user's Bitrix24 access token from the placement call. */
export interface SealedPageClaims extends PageClaims {
  userAuth: string;
}

export const PAGE_TOKEN_TTL_SECONDS = 15 * 60;
const VERSION = 'v2';
const IV_BYTES = 12;
const TAG_BYTES = 16;

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
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'b24-temporal/runs-tab/page-token/v2', 32));
}

export function issuePageToken(key: Buffer, claims: SealedPageClaims): string {
  const plaintext = JSON.stringify({
    m: claims.memberId,
    u: claims.userId,
    t: claims.entityTypeId,
    i: claims.itemId,
    e: claims.expiresAt,
    x: claims.userAuth,
  });
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(VERSION));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function open(key: Buffer, iv: Buffer, sealed: Buffer): string {
  if (iv.length !== IV_BYTES || sealed.length <= TAG_BYTES) throw new PageTokenError(PAGE_TOKEN_PROBLEM.invalid);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(VERSION));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new PageTokenError(PAGE_TOKEN_PROBLEM.invalid);
  }
}

/** Checks the seal, the shape and the expiry; throws PageTokenError otherwise. */
export function readPageToken(key: Buffer, token: string, nowSeconds: number): SealedPageClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) throw new PageTokenError(PAGE_TOKEN_PROBLEM.invalid);
  const [, iv, sealed] = parts as [string, string, string];
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(open(key, Buffer.from(iv, 'base64url'), Buffer.from(sealed, 'base64url'))) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof PageTokenError) throw error;
    throw new PageTokenError(PAGE_TOKEN_PROBLEM.invalid);
  }
  const { m, u, t, i, e, x } = raw;
  if (typeof m !== 'string' || !isPositiveInt(u) || !isPositiveInt(t) || !isPositiveInt(i) || !isPositiveInt(e) || typeof x !== 'string' || x === '') {
    throw new PageTokenError(PAGE_TOKEN_PROBLEM.invalid);
  }
  if (e <= nowSeconds) throw new PageTokenError(PAGE_TOKEN_PROBLEM.expired);
  return { memberId: m, userId: u, entityTypeId: t, itemId: i, expiresAt: e, userAuth: x };
}
