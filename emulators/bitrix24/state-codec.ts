/**
 * Turns the portal's in-memory objects (Maps, class instances such as the CRM item store, Buffers) into JSON and
 * back into the same live objects. Generic on purpose: every field the portal state gains is saved without a
 * second list of fields to keep in step.
 */
type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

const MAP = '$map';
const BUFFER = '$buffer';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A class instance whose fields are restored in place (its methods and prototype stay). */
function isInstance(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && !(value instanceof Map) && !Buffer.isBuffer(value) && Object.getPrototypeOf(value) !== Object.prototype;
}

export function encode(value: unknown, skip: ReadonlySet<string> = new Set()): Encoded {
  if (value instanceof Map) return { [MAP]: [...value.entries()].map(([key, entry]) => [encode(key), encode(entry)]) };
  if (Buffer.isBuffer(value)) return { [BUFFER]: value.toString('hex') };
  if (Array.isArray(value)) return value.map((entry) => encode(entry));
  if (isRecord(value)) {
    const fields = Object.entries(value).filter(([key, entry]) => typeof entry !== 'function' && entry !== undefined && !skip.has(key));
    return Object.fromEntries(fields.map(([key, entry]) => [key, encode(entry)]));
  }
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  return null;
}

export function decode(value: Encoded): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (isRecord(value)) {
    const entries = value[MAP];
    if (Array.isArray(entries) && Object.keys(value).length === 1) {
      return new Map((entries as Encoded[][]).map(([key, entry]) => [decode(key as Encoded), decode(entry as Encoded)]));
    }
    if (typeof value[BUFFER] === 'string' && Object.keys(value).length === 1) return Buffer.from(value[BUFFER], 'hex');
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, decode(entry)]));
  }
  return value;
}

/** Writes saved fields back into `target`: nested class instances are filled in place, everything else replaced. */
export function restoreInto(target: Record<string, unknown>, saved: Encoded): void {
  if (!isRecord(saved)) throw new Error('saved emulator state is not an object');
  for (const [key, entry] of Object.entries(saved)) {
    const current = target[key];
    if (typeof current === 'function') continue;
    if (isInstance(current) && isRecord(entry) && !(MAP in entry)) restoreInto(current, entry);
    else target[key] = decode(entry);
  }
}

export type { Encoded };
