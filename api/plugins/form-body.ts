import type { FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import qs from 'qs';
import { apiErrors } from '../errors.js';

/**
 * Body parsers for Bitrix24 deliveries (docs/bitrix24.md: robot calls and CRM events): PHP-bracket form bodies through `qs`, and JSON
 * for tests and the emulator, both under the same explicit limits. Every violation is a 400 that names the limit;
 * unlisted content types are left to Fastify's 415.
 */

export const BODY_LIMITS = {
  /** Bytes; Fastify answers 413 above it. */
  bodySize: 256 * 1024,
  /** Bracket segments below the root: `properties[key][0]` is depth 2. */
  depth: 5,
  arrayLength: 100,
  parameters: 1000,
} as const;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function assertAllowedKey(segment: string): void {
  if (FORBIDDEN_KEYS.has(segment)) throw apiErrors.badRequest(`forbidden key "${segment}" in body`);
}

const NEEDS_DECODING = /[%+]/;
const MAY_NAME_FORBIDDEN_KEY = /__proto__|constructor|prototype/;

/**
 * qs's own decoder silently keeps malformed escapes such as `%E0%A4%A`; a Bitrix24 body never contains them. Text
 * without `%` or `+` decodes to itself, and a key is split into its segments only when it could name a forbidden one:
 * qs calls this for every key and value of every delivery.
 */
function strictDecoder(text: string, _defaultDecoder: unknown, _charset: unknown, type: 'key' | 'value'): string {
  let decoded = text;
  if (NEEDS_DECODING.test(text)) {
    try {
      decoded = decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
      throw apiErrors.badRequest(`malformed percent-encoding in a form ${type}`);
    }
  }
  if (type === 'key' && MAY_NAME_FORBIDDEN_KEY.test(decoded)) decoded.split(/[[\]]+/).forEach(assertAllowedKey);
  return decoded;
}

function limitMessage(error: RangeError): string {
  if (error.message.startsWith('Parameter limit')) return `parameter limit of ${BODY_LIMITS.parameters} exceeded`;
  if (error.message.startsWith('Array limit')) return `array limit of ${BODY_LIMITS.arrayLength} elements (or index) exceeded`;
  if (error.message.includes('depth')) return `nesting depth limit of ${BODY_LIMITS.depth} exceeded`;
  return error.message;
}

export function parseFormBody(body: string): Record<string, unknown> {
  if (body.trim() === '') throw apiErrors.badRequest('request body is empty');
  try {
    return qs.parse(body, {
      depth: BODY_LIMITS.depth,
      strictDepth: true,
      arrayLimit: BODY_LIMITS.arrayLength,
      parameterLimit: BODY_LIMITS.parameters,
      throwOnLimitExceeded: true,
      allowPrototypes: false,
      allowDots: false,
      charsetSentinel: false,
      decoder: strictDecoder,
    });
  } catch (error) {
    if (error instanceof RangeError) throw apiErrors.badRequest(limitMessage(error));
    throw error;
  }
}

/** JSON gets the limits a form body has, so either encoding reaches the schemas in the same shape. */
export function parseJsonBody(body: string): unknown {
  if (body.trim() === '') throw apiErrors.badRequest('request body is empty');
  let parsed: unknown;
  try {
    // No reviver: V8 parses any nesting iteratively, but a reviver recurses and overflows the stack on deep input.
    // Keys are checked in assertWithinLimits, which stops at the depth limit.
    parsed = JSON.parse(body);
  } catch (error) {
    // JSON.parse messages quote the input around the error, which may be a token.
    if (error instanceof SyntaxError) throw apiErrors.badRequest('request body is not valid JSON');
    throw error;
  }
  assertWithinLimits(parsed);
  return parsed;
}

function assertWithinLimits(root: unknown): void {
  let leaves = 0;
  // `depth` counts bracket segments the way qs does: the root's values sit at 0, `a[b]`'s value at 1.
  const visit = (value: unknown, depth: number): void => {
    if (depth > BODY_LIMITS.depth) throw apiErrors.badRequest(`nesting depth limit of ${BODY_LIMITS.depth} exceeded`);
    if (typeof value !== 'object' || value === null) {
      leaves += 1;
      if (leaves > BODY_LIMITS.parameters) throw apiErrors.badRequest(`parameter limit of ${BODY_LIMITS.parameters} exceeded`);
      return;
    }
    if (Array.isArray(value) && value.length > BODY_LIMITS.arrayLength) {
      throw apiErrors.badRequest(`array limit of ${BODY_LIMITS.arrayLength} elements (or index) exceeded`);
    }
    if (!Array.isArray(value)) for (const key of Object.keys(value)) assertAllowedKey(key);
    for (const child of Array.isArray(value) ? value : Object.values(value)) visit(child, depth + 1);
  };
  visit(root, -1);
}

async function formBody(app: FastifyInstance): Promise<void> {
  // Only the two encodings below are accepted; Fastify's defaults (text/plain among them) would bypass the limits.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseFormBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

export default fastifyPlugin(formBody, { name: 'form-body', fastify: '5.x' });
