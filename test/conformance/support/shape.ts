/**
 * The shape language of the conformance facts (test/conformance/facts/*.json). A shape is one of:
 * - a type name: `string`, `integer`, `number`, `boolean`, `null`, `object`, `array`, `any`, or a union such as `string|null`;
 * - `{ "$eq": value }` exactly this value; `{ "$in": [values] }` one of these values;
 * - an object: each key is required unless it ends in `?`; keys the docs do not show are mismatches unless the
 *   object has `"...": true` (the docs say more keys may come, e.g. fields that depend on the portal);
 * - `[shape]`: a non-empty list whose every entry has the shape; `[]`: exactly an empty list;
 * - `{ "$list": shape }`: a list that may be empty; `{ "$map": shape }`: an object with any keys, values of the shape;
 * - `{ "$ref": name }`: a shared shape (facts/shared.json); `{ "$oneOf": [shapes] }`: any one of them.
 */
export type Shape = string | Shape[] | { [key: string]: Shape | boolean | unknown };

export type SharedShapes = Record<string, Shape>;

const OPEN = '...';

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, name: string): boolean {
  const actual = typeOf(value);
  if (name === 'any') return true;
  if (name === 'number') return actual === 'number' || actual === 'integer';
  return actual === name;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every place where `value` differs from `shape`, as `path: problem` lines; empty when it conforms. */
export function shapeMismatches(value: unknown, shape: Shape, shared: SharedShapes = {}, path = '$'): string[] {
  if (typeof shape === 'string') {
    const names = shape.split('|');
    return names.some((name) => matchesType(value, name)) ? [] : [`${path}: expected ${shape}, got ${typeOf(value)} ${describe(value)}`];
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${path}: expected a list, got ${typeOf(value)} ${describe(value)}`];
    if (shape.length === 0) return value.length === 0 ? [] : [`${path}: expected an empty list, got ${value.length} entries`];
    if (value.length === 0) return [`${path}: expected a non-empty list (the scenario should produce entries), got []`];
    return value.flatMap((entry, index) => shapeMismatches(entry, shape[0] as Shape, shared, `${path}[${index}]`));
  }
  if ('$eq' in shape) return Object.is(value, shape.$eq) || value === shape.$eq ? [] : [`${path}: expected ${describe(shape.$eq)}, got ${describe(value)}`];
  if ('$in' in shape) {
    const allowed = shape.$in as unknown[];
    return allowed.includes(value) ? [] : [`${path}: expected one of ${describe(allowed)}, got ${describe(value)}`];
  }
  if ('$ref' in shape) {
    const name = String(shape.$ref);
    const target = shared[name];
    if (target === undefined) return [`${path}: unknown shared shape ${name}`];
    return shapeMismatches(value, target, shared, path);
  }
  if ('$oneOf' in shape) {
    const options = shape.$oneOf as Shape[];
    const attempts = options.map((option) => shapeMismatches(value, option, shared, path));
    if (attempts.some((problems) => problems.length === 0)) return [];
    return [`${path}: matches none of ${options.length} documented forms (${attempts.map((problems) => problems[0]).join(' / ')})`];
  }
  if ('$list' in shape) {
    if (!Array.isArray(value)) return [`${path}: expected a list, got ${typeOf(value)} ${describe(value)}`];
    return value.flatMap((entry, index) => shapeMismatches(entry, shape.$list as Shape, shared, `${path}[${index}]`));
  }
  if ('$map' in shape) {
    if (!isPlainObject(value)) return [`${path}: expected an object keyed by name, got ${typeOf(value)} ${describe(value)}`];
    return Object.entries(value).flatMap(([key, entry]) => shapeMismatches(entry, shape.$map as Shape, shared, `${path}.${key}`));
  }
  if (!isPlainObject(value)) return [`${path}: expected an object, got ${typeOf(value)} ${describe(value)}`];
  const problems: string[] = [];
  const documented = new Set<string>();
  for (const [rawKey, keyShape] of Object.entries(shape)) {
    if (rawKey === OPEN) continue;
    const optional = rawKey.endsWith('?');
    const key = optional ? rawKey.slice(0, -1) : rawKey;
    documented.add(key);
    if (!(key in value)) {
      if (!optional) problems.push(`${path}.${key}: documented key is missing`);
      continue;
    }
    problems.push(...shapeMismatches(value[key], keyShape as Shape, shared, `${path}.${key}`));
  }
  if (shape[OPEN] !== true) {
    for (const key of Object.keys(value)) if (!documented.has(key)) problems.push(`${path}.${key}: key is not in the documented shape`);
  }
  return problems;
}
