import qs from 'qs';
import type { Prng } from './prng.js';

/**
 * Fuzzed requests for every public route. A case either carries the route's real credentials (then it reaches the
 * route's own checks: valid bodies, bodies with one known defect, wrong types, missing or extra fields, oversized
 * parts) or it does not (random bytes, nesting and arrays beyond the limits, malformed encodings, spoiled
 * credentials). Everything about a case comes from the PRNG, so (seed, index) reproduces it.
 */

export type CredentialKind = 'application-token' | 'placement-call' | 'install-tokens' | 'api-key' | 'page-token' | 'codec-token' | 'none';
export type Path = readonly string[];
type Encoding = 'form' | 'json';
type Defect = (body: Record<string, unknown>) => void;

/** A valid request with the real credentials. */
export interface ValidRequest {
  path: string;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
  /** The encodings a sender may use for the body; the first is the usual one. */
  encodings?: readonly Encoding[];
}

export interface FuzzTemplate {
  name: string;
  credential: CredentialKind;
  /** Body paths and headers that hold the credential: cases meant to carry it leave them alone. */
  credentialPaths?: readonly Path[];
  /** The credential paths a wrong-credentials case may spoil (default: all of them). */
  spoilPaths?: readonly Path[];
  credentialHeader?: string;
  build(): ValidRequest;
  /** Changes that fail the route's checks even with the right credentials. */
  defects?: readonly Defect[];
  weight?: number;
}

/** An answer a case may get: the status, and for errors the catalogue code (and what the message must say). */
export interface Outcome {
  status: number;
  code?: string;
  message?: RegExp;
}

export interface FuzzRoute {
  method: string;
  url: string;
  templates: readonly FuzzTemplate[];
  expected: readonly Outcome[];
  weight?: number;
}

export interface FuzzCase {
  index: number;
  route: string;
  template: string;
  kind: string;
  /** The case carries the route's real credentials, untouched. */
  validCredentials: boolean;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const CONTENT_TYPES = [FORM, JSON_TYPE, '', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', `${JSON_TYPE}; charset=utf-16`, 'application/xml'];

/** Case kinds, weighted; those under `carrying` keep the real credentials. */
const CARRYING_KINDS = [
  ['valid', 2],
  ['known-defect', 3],
  ['wrong-type', 3],
  ['missing-fields', 2],
  ['extra-fields', 1],
  ['oversized-part', 1],
  ['garbage-with-credentials', 1],
] as const;
const BARE_KINDS = [
  ['random-bytes', 2],
  ['deep-nesting', 1],
  ['malformed', 1],
  ['huge-array', 1],
  ['wrong-credentials', 3],
] as const;
const BODYLESS_KINDS = [
  ['valid', 3],
  ['query-garbage', 2],
  ['header-garbage', 2],
  ['path-garbage', 2],
  ['wrong-credentials', 2],
] as const;

function weightedBy<T>(prng: Prng, items: readonly T[], weightOf: (item: T) => number): T {
  const total = items.reduce((sum, item) => sum + weightOf(item), 0);
  let draw = prng.next() * total;
  for (const item of items) {
    draw -= weightOf(item);
    if (draw < 0) return item;
  }
  return items[items.length - 1]!;
}

function weighted<T extends string>(prng: Prng, entries: readonly (readonly [T, number])[]): T {
  return weightedBy(prng, entries, ([, weight]) => weight)[0];
}

export function paths(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const children = Object.entries(value).flatMap(([key, child]) => paths(child, [...prefix, key]));
  return prefix.length === 0 ? children : [prefix, ...children];
}

export function getAt(body: unknown, path: Path): unknown {
  let node = body;
  for (const key of path) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  return node;
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
  const parent = getAt(body, path.slice(0, -1));
  const last = path.at(-1);
  if (typeof parent === 'object' && parent !== null && last !== undefined) delete (parent as Record<string, unknown>)[last];
}

/** Paths a carrying case may change: none that holds, or contains, a credential. */
function mutablePaths(body: Record<string, unknown>, template: FuzzTemplate): Path[] {
  const protectedPaths = template.credentialPaths ?? [];
  const touches = (path: Path, credential: Path) => path.every((key, index) => credential[index] === key) || credential.every((key, index) => path[index] === key);
  return paths(body).filter((path) => path.length > 0 && !protectedPaths.some((credential) => touches(path, credential)));
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
    () => '1e999',
    () => '<script>alert(1)</script>',
  ])();
}

function spoiledToken(real: string, prng: Prng): string {
  return prng.pick<() => string>([
    () => prng.hex(real.length || 32),
    () => `${real.slice(0, -1)}${real.endsWith('0') ? '1' : '0'}`,
    () => (real.toUpperCase() === real ? `${real.toLowerCase()}x` : real.toUpperCase()),
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

/** Wrong credentials for the template, the rest of the request left valid. */
function spoilCredentials(template: FuzzTemplate, request: ValidRequest, prng: Prng): void {
  const body = request.body ?? {};
  const headers = request.headers;
  const header = template.credentialHeader;
  if (header !== undefined) {
    const real = headers[header] ?? '';
    const choice = prng.int(0, 3);
    if (choice === 0) delete headers[header];
    else if (choice === 1) headers[header] = header === 'authorization' ? `Bearer ${spoiledHeaderToken(real.replace(/^Bearer /, ''), prng)}` : spoiledHeaderToken(real, prng);
    else if (choice === 2) headers[header] = '';
    else if (header === 'authorization') headers[header] = real.replace(/^Bearer /, 'Basic ');
    else headers.authorization = `Bearer ${real}`;
    if (choice === 3 && header !== 'authorization') delete headers[header];
    return;
  }
  const credentials = template.spoilPaths ?? template.credentialPaths ?? [];
  if (credentials.length === 0) return;
  const target = prng.pick(credentials);
  const choice = prng.int(0, 2);
  if (choice === 0) removeAt(body, target);
  else if (choice === 1 && target.at(-1)?.toLowerCase().includes('member')) setAt(body, target, `unknown-${prng.hex(12)}`);
  else setAt(body, target, spoiledToken(String(getAt(body, target) ?? ''), prng));
}

function credentialsIntact(template: FuzzTemplate, valid: ValidRequest, sent: ValidRequest): boolean {
  if (template.credential === 'none') return false;
  const header = template.credentialHeader;
  if (header !== undefined && sent.headers[header] !== valid.headers[header]) return false;
  return (template.credentialPaths ?? []).every((path) => getAt(sent.body, path) === getAt(valid.body, path));
}

function encode(body: unknown, encoding: Encoding): { contentType: string; body: string } {
  return encoding === 'form' ? { contentType: FORM, body: qs.stringify(body) } : { contentType: JSON_TYPE, body: JSON.stringify(body) };
}

function deepNesting(prng: Prng): { contentType: string; body: string } {
  const depth = prng.pick([6, 7, 50, 1_000, 20_000, 100_000]);
  if (prng.chance(0.5)) return { contentType: FORM, body: `code=x&auth${'[a]'.repeat(Math.min(depth, 20_000))}=1` };
  return prng.chance(0.5)
    ? { contentType: JSON_TYPE, body: `${'['.repeat(depth)}${']'.repeat(depth)}` }
    : { contentType: JSON_TYPE, body: `${'{"a":'.repeat(Math.min(depth, 40_000))}1${'}'.repeat(Math.min(depth, 40_000))}` };
}

function hugeArray(body: Record<string, unknown> | undefined, prng: Prng): { contentType: string; body: string } {
  const length = prng.pick([101, 1_001, 5_000, 30_000]);
  const choice = prng.int(0, 3);
  if (choice === 0) return { contentType: FORM, body: Array.from({ length: Math.min(length, 5_000) }, (_, index) => `auth[member_id][]=${index}`).join('&') };
  if (choice === 1) return { contentType: FORM, body: `document_id[${prng.pick([101, 999_999, 2 ** 31])}]=x&code=a` };
  if (choice === 2 || !body) return { contentType: JSON_TYPE, body: JSON.stringify(Array.from({ length }, (_, index) => index)) };
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

const withType = (contentType: string, headers: Record<string, string>): Record<string, string> =>
  contentType === '' ? headers : { ...headers, 'content-type': contentType };

function bodilessCase(route: FuzzRoute, template: FuzzTemplate, request: ValidRequest, prng: Prng): string {
  const kind = weighted(prng, template.credential === 'none' ? BODYLESS_KINDS.filter(([name]) => name !== 'wrong-credentials') : BODYLESS_KINDS);
  const [pathOnly, query = ''] = request.path.split('?');
  if (kind === 'query-garbage') {
    const garbage = prng.pick([`${prng.hex(8)}=${encodeURIComponent(String(wrongValue(prng)))}`, 'a[b][c][d][e][f][g]=1', `%E0%A4%A=${prng.hex(4)}`, 'x'.repeat(4_000)]);
    request.path = `${pathOnly}?${query ? `${query}&` : ''}${garbage}`;
  } else if (kind === 'header-garbage') {
    request.headers[`x-${prng.hex(6)}`] = prng.pick(['', 'x'.repeat(8_000), '\t;,"\\', prng.hex(64)]);
    if (prng.chance(0.3)) request.headers['content-type'] = prng.pick(CONTENT_TYPES) || 'text/plain';
  } else if (kind === 'path-garbage' && route.url.endsWith('*')) {
    const prefix = route.url.slice(0, -1);
    request.path = `${prefix}${prng.pick([prng.hex(12), `write/${prng.hex(6)}/${prng.hex(6)}`, '..%2F..%2Fetc%2Fpasswd', encodeURIComponent('\u0000\u202e'), 'x/'.repeat(200), `write/${'y'.repeat(3_000)}`])}`;
  } else if (kind === 'wrong-credentials') {
    spoilCredentials(template, request, prng);
  }
  return kind;
}

/** The `index`-th case of a run. */
export function fuzzCase(index: number, routes: readonly FuzzRoute[], prng: Prng): FuzzCase {
  const route = weightedBy(prng, routes, (candidate) => candidate.weight ?? 1);
  const template = weightedBy(prng, route.templates, (candidate) => candidate.weight ?? 1);
  const base = { index, route: `${route.method} ${route.url}`, template: template.name, method: route.method };
  const sent = template.build();
  const reference: ValidRequest = { ...sent, headers: { ...sent.headers }, ...(sent.body === undefined ? {} : { body: structuredClone(sent.body) }) };

  if (sent.body === undefined) {
    const kind = bodilessCase(route, template, sent, prng);
    return { ...base, kind, validCredentials: credentialsIntact(template, reference, sent), path: sent.path, headers: sent.headers };
  }

  const carrying = template.credential !== 'none' && prng.chance(0.62);
  const kind = carrying ? weighted(prng, CARRYING_KINDS) : weighted(prng, BARE_KINDS);
  const body = sent.body;
  const credentialHeaders: Record<string, string> = template.credentialHeader ? { [template.credentialHeader]: sent.headers[template.credentialHeader] ?? '' } : {};
  const plainHeaders = Object.fromEntries(Object.entries(sent.headers).filter(([name]) => name !== template.credentialHeader));
  const encodings: readonly Encoding[] = sent.encodings ?? ['json'];
  const encoding: Encoding = prng.chance(0.75) ? encodings[0]! : prng.pick(encodings);
  const finish = (kindName: string, contentType: string, payload: string | Buffer, headers: Record<string, string>): FuzzCase => {
    const request = { ...sent, headers };
    return { ...base, kind: kindName, validCredentials: credentialsIntact(template, reference, request), path: sent.path, headers: withType(contentType, headers), body: payload };
  };

  switch (kind) {
    case 'random-bytes': {
      return finish(kind, prng.pick(CONTENT_TYPES), prng.bytes(prng.int(0, 4_096)), plainHeaders);
    }
    case 'deep-nesting': {
      const encoded = deepNesting(prng);
      return finish(kind, encoded.contentType, encoded.body, plainHeaders);
    }
    case 'huge-array': {
      const encoded = hugeArray(undefined, prng);
      return finish(kind, encoded.contentType, encoded.body, plainHeaders);
    }
    case 'malformed': {
      const encoded = malformed(prng);
      return finish(kind, encoded.contentType, encoded.body, plainHeaders);
    }
    case 'wrong-credentials': {
      spoilCredentials(template, sent, prng);
      const encoded = encode(body, encoding);
      return finish(kind, encoded.contentType, encoded.body, sent.headers);
    }
    case 'garbage-with-credentials': {
      // For a header credential the whole body is garbage; for a body credential, one field is.
      if (template.credentialHeader) {
        const encoded = prng.pick([() => malformed(prng), () => deepNesting(prng), () => ({ contentType: prng.pick(CONTENT_TYPES), body: prng.bytes(prng.int(0, 2_048)) })])();
        return finish(kind, encoded.contentType, encoded.body, { ...plainHeaders, ...credentialHeaders });
      }
      const target = mutablePaths(body, template);
      if (target.length > 0) setAt(body, prng.pick(target), prng.pick([{ a: { b: { c: { d: { e: { f: 1 } } } } } }, Array.from({ length: 150 }, () => 1)]));
      const encoded = encode(body, encoding);
      return finish(kind, encoded.contentType, encoded.body, sent.headers);
    }
    default: {
      const candidates = mutablePaths(body, template);
      if (kind === 'known-defect' && (template.defects ?? []).length > 0) prng.pick(template.defects!)(body);
      else if (kind === 'wrong-type' && candidates.length > 0) {
        for (let count = prng.int(1, 3); count > 0; count -= 1) setAt(body, prng.pick(candidates), wrongValue(prng));
      } else if (kind === 'missing-fields' && candidates.length > 0) {
        for (let count = prng.int(1, 3); count > 0; count -= 1) removeAt(body, prng.pick(candidates));
      } else if (kind === 'extra-fields') {
        setAt(body, [prng.pick(['unexpected', '__proto__x', 'constructorx', prng.hex(6)])], wrongValue(prng));
      } else if (kind === 'oversized-part' && candidates.length > 0) {
        setAt(body, prng.pick(candidates), 'y'.repeat(prng.pick([513, 2_049, 8_193, 100_000])));
      }
      const encoded = encode(body, encoding);
      return finish(kind, encoded.contentType, encoded.body, sent.headers);
    }
  }
}

/** Helpers for the templates' `defects` lists. */
export const defects = {
  remove: (path: Path): Defect => (body) => removeAt(body, path),
  set: (path: Path, value: unknown): Defect => (body) => setAt(body, path, value),
};
