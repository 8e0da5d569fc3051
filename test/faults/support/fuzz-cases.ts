import qs from 'qs';
import type { Prng } from './prng.js';

/**
 * Fuzzed requests for the ingress. Every case carries at least one defect the API must refuse with a 4xx and that no
 * valid delivery has: random bytes, nesting or arrays beyond the limits, malformed encodings, wrong types, missing
 * fields, wrong credentials, or (with the right credentials) a body the schemas must reject. None can start a run.
 */

export type CredentialKind = 'application-token' | 'placement-token' | 'install' | 'api-key' | 'page-token';

export interface FuzzRoute {
  path: string;
  credential: CredentialKind;
  /** A valid body with the portal's real credentials. */
  template(): Record<string, unknown>;
  /** Defects that fail the schema (or the route) even when the credentials are right: each a change to the template. */
  invalidWithRightCredentials: readonly ((body: Record<string, unknown>, prng: Prng) => void)[];
}

export interface FuzzCase {
  index: number;
  kind: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface FuzzContext {
  routes: readonly FuzzRoute[];
  apiKey: string;
}

type Path = readonly string[];

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const CONTENT_TYPES = [FORM, JSON_TYPE, '', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', `${JSON_TYPE}; charset=utf-16`, 'application/xml'];

function paths(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const children = Object.entries(value).flatMap(([key, child]) => paths(child, [...prefix, key]));
  return prefix.length === 0 ? children : [prefix, ...children];
}

function setAt(body: Record<string, unknown>, path: Path, value: unknown): void {
  let node: Record<string, unknown> = body;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path.at(-1);
  if (last !== undefined) node[last] = value;
}

function removeAt(body: Record<string, unknown>, path: Path): void {
  let node: unknown = body;
  for (const key of path.slice(0, -1)) node = (node as Record<string, unknown> | undefined)?.[key];
  const last = path.at(-1);
  if (typeof node === 'object' && node !== null && last !== undefined) delete (node as Record<string, unknown>)[last];
}

function wrongValue(prng: Prng): unknown {
  return prng.pick<() => unknown>([
    () => [],
    () => ({}),
    () => prng.int(-1e9, 1e9),
    () => prng.next() * 1e300,
    () => true,
    () => null,
    () => '',
    () => 'x'.repeat(prng.int(2_000, 20_000)),
    () => ({ nested: { deeper: [prng.hex(8)] } }),
    () => ['a', 'b', 'c'],
    () => '\u0000\u202e\ud83d\ude00 ;DROP TABLE x;--',
    () => '../../etc/passwd',
    () => 'NaN',
    () => '-1',
  ])();
}

function spoiledToken(real: string, prng: Prng): string {
  return prng.pick<() => string>([
    () => prng.hex(real.length || 32),
    () => `${real.slice(0, -1)}${real.endsWith('0') ? '1' : '0'}`,
    () => real.toUpperCase() === real ? real.toLowerCase() + 'x' : real.toUpperCase(),
    () => ` ${real}`,
    () => `${real}\u0000`,
    () => real.slice(0, Math.max(1, real.length - 4)),
    () => 'x'.repeat(10_000),
    () => 'tökén',
    () => '%00',
  ])();
}

/** Header values are visible ASCII, and HTTP trims the whitespace around them: only changes that survive both. */
function spoiledHeaderToken(real: string, prng: Prng): string {
  return prng.pick<() => string>([
    () => prng.hex(real.length),
    () => `${real.slice(0, -1)}${real.endsWith('0') ? '1' : '0'}`,
    () => real.toUpperCase(),
    () => real.slice(0, -4),
    () => `${real}${real}`,
    () => 'x'.repeat(8_000),
  ])();
}

/** Wrong credentials for the route, leaving the rest of the body valid. Returns extra headers. */
function spoilCredentials(route: FuzzRoute, body: Record<string, unknown>, apiKey: string, prng: Prng): Record<string, string> {
  switch (route.credential) {
    case 'application-token': {
      const auth = body.auth as Record<string, unknown>;
      const choice = prng.int(0, 3);
      if (choice === 0) delete body.auth;
      else if (choice === 1) auth.member_id = `unknown-${prng.hex(12)}`;
      else auth.application_token = spoiledToken(String(auth.application_token), prng);
      return {};
    }
    case 'placement-token':
      if (prng.chance(0.3)) body.member_id = `unknown-${prng.hex(12)}`;
      else body.APPLICATION_TOKEN = spoiledToken(String(body.APPLICATION_TOKEN), prng);
      return {};
    case 'install': {
      // The tokens are never real; the endpoints are sometimes foreign too.
      const auth = body.auth as Record<string, unknown>;
      const choice = prng.int(0, 3);
      if (choice === 0) auth.domain = `evil-${prng.hex(6)}.example.com`;
      else if (choice === 1) auth.server_endpoint = `https://evil-${prng.hex(6)}.example.com/rest/`;
      else if (choice === 2) auth.client_endpoint = `http://169.254.169.254/latest/`;
      return {};
    }
    case 'api-key': {
      const choice = prng.int(0, 3);
      if (choice === 0) return {};
      if (choice === 1) return { 'x-api-key': spoiledHeaderToken(apiKey, prng) };
      if (choice === 2) return { authorization: `Bearer ${apiKey}` };
      return { 'x-api-key': '' };
    }
    case 'page-token':
      body.token = prng.pick([prng.hex(64), `${prng.hex(40)}.${prng.hex(64)}`, Buffer.from(JSON.stringify({ memberId: 'x', admin: true })).toString('base64url')]);
      return {};
  }
}

function rightCredentialHeaders(route: FuzzRoute, apiKey: string): Record<string, string> {
  return route.credential === 'api-key' ? { 'x-api-key': apiKey } : {};
}

function encode(body: unknown, prng: Prng): { contentType: string; body: string } {
  return prng.chance(0.7) ? { contentType: FORM, body: qs.stringify(body) } : { contentType: JSON_TYPE, body: JSON.stringify(body) };
}

function deepNesting(prng: Prng): { contentType: string; body: string } {
  const depth = prng.pick([6, 7, 50, 1_000, 20_000, 100_000]);
  if (prng.chance(0.5)) return { contentType: FORM, body: `code=x&auth${'[a]'.repeat(Math.min(depth, 20_000))}=1` };
  return prng.chance(0.5)
    ? { contentType: JSON_TYPE, body: `${'['.repeat(depth)}${']'.repeat(depth)}` }
    : { contentType: JSON_TYPE, body: `${'{"a":'.repeat(Math.min(depth, 40_000))}1${'}'.repeat(Math.min(depth, 40_000))}` };
}

function hugeArray(route: FuzzRoute, prng: Prng): { contentType: string; body: string } {
  const length = prng.pick([101, 1_001, 5_000, 30_000]);
  const choice = prng.int(0, 3);
  if (choice === 0) return { contentType: FORM, body: Array.from({ length: Math.min(length, 5_000) }, (_, index) => `auth[member_id][]=${index}`).join('&') };
  if (choice === 1) return { contentType: FORM, body: `document_id[${prng.pick([101, 999_999, 2 ** 31])}]=x&code=a` };
  if (choice === 2) return { contentType: JSON_TYPE, body: JSON.stringify(Array.from({ length }, (_, index) => index)) };
  const body = route.template();
  setAt(body, prng.pick(paths(body)), Array.from({ length }, () => 'x'));
  return { contentType: JSON_TYPE, body: JSON.stringify(body) };
}

function malformed(prng: Prng): { contentType: string; body: string | Buffer } {
  return prng.pick<() => { contentType: string; body: string | Buffer }>([
    () => ({ contentType: FORM, body: 'code=%E0%A4%A&auth[member_id]=x' }),
    () => ({ contentType: FORM, body: '__proto__[polluted]=1&code=a' }),
    () => ({ contentType: FORM, body: 'constructor[prototype][polluted]=1' }),
    () => ({ contentType: JSON_TYPE, body: '{"__proto__":{"polluted":1},"code":"a"}' }),
    () => ({ contentType: FORM, body: 'code=a&code=b&code[]=c&code[x]=d' }),
    () => ({ contentType: FORM, body: '&&&&==&=&[]=&[[[[=' }),
    () => ({ contentType: FORM, body: `${'k'.repeat(100_000)}=v` }),
    () => ({ contentType: FORM, body: Array.from({ length: 1_500 }, (_, index) => `p${index}=1`).join('&') }),
    () => ({ contentType: JSON_TYPE, body: '{"a":1,' }),
    () => ({ contentType: JSON_TYPE, body: 'null' }),
    () => ({ contentType: JSON_TYPE, body: '"just a string"' }),
    () => ({ contentType: JSON_TYPE, body: '1e999' }),
    () => ({ contentType: JSON_TYPE, body: '   ' }),
    () => ({ contentType: FORM, body: '' }),
    () => ({ contentType: JSON_TYPE, body: Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]) }),
    () => ({ contentType: FORM, body: 'x'.repeat(300 * 1024) }),
  ])();
}

/** The `index`-th case of a run: everything about it comes from the PRNG, so (seed, index) reproduces it. */
export function fuzzCase(index: number, context: FuzzContext, prng: Prng): FuzzCase {
  const route = prng.pick(context.routes);
  const kind = prng.pick([
    'random-bytes',
    'random-bytes',
    'deep-nesting',
    'huge-array',
    'malformed',
    'wrong-type',
    'wrong-type',
    'missing-fields',
    'wrong-credentials',
    'wrong-credentials',
    'right-credentials-invalid-body',
  ] as const);
  const base = { index, kind, path: route.path };
  const withType = (contentType: string, extra: Record<string, string> = {}): Record<string, string> =>
    contentType === '' ? extra : { 'content-type': contentType, ...extra };

  switch (kind) {
    case 'random-bytes': {
      const contentType = prng.pick(CONTENT_TYPES);
      return { ...base, headers: withType(contentType, rightCredentialHeaders(route, context.apiKey)), body: prng.bytes(prng.int(0, 4_096)) };
    }
    case 'deep-nesting': {
      const encoded = deepNesting(prng);
      return { ...base, headers: withType(encoded.contentType, rightCredentialHeaders(route, context.apiKey)), body: encoded.body };
    }
    case 'huge-array': {
      const encoded = hugeArray(route, prng);
      return { ...base, headers: withType(encoded.contentType, rightCredentialHeaders(route, context.apiKey)), body: encoded.body };
    }
    case 'malformed': {
      const encoded = malformed(prng);
      return { ...base, headers: withType(encoded.contentType, rightCredentialHeaders(route, context.apiKey)), body: encoded.body };
    }
    case 'wrong-type':
    case 'missing-fields':
    case 'wrong-credentials': {
      const body = route.template();
      const headers = spoilCredentials(route, body, context.apiKey, prng);
      const candidates = paths(body);
      if (kind === 'wrong-type') {
        for (let count = prng.int(1, 3); count > 0; count -= 1) setAt(body, prng.pick(candidates), wrongValue(prng));
      } else if (kind === 'missing-fields') {
        for (let count = prng.int(1, 3); count > 0; count -= 1) removeAt(body, prng.pick(candidates));
      }
      const encoded = encode(body, prng);
      return { ...base, headers: withType(encoded.contentType, headers), body: encoded.body };
    }
    case 'right-credentials-invalid-body': {
      const body = route.template();
      prng.pick(route.invalidWithRightCredentials)(body, prng);
      const encoded = encode(body, prng);
      return { ...base, headers: withType(encoded.contentType, rightCredentialHeaders(route, context.apiKey)), body: encoded.body };
    }
  }
}

/** Helpers for the routes' `invalidWithRightCredentials` lists. */
export const defects = {
  remove: (path: Path) => (body: Record<string, unknown>) => removeAt(body, path),
  set: (path: Path, value: unknown) => (body: Record<string, unknown>) => setAt(body, path, value),
};
