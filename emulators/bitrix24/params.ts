/** Reading REST parameters that arrive as JSON, as PHP-bracket forms (all strings) or as query strings. */
export type Params = Record<string, unknown>;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown): Record<string, unknown> {
  if (isRecord(value)) return value;
  if (Array.isArray(value)) return Object.fromEntries(value.map((entry, index) => [String(index), entry]));
  return {};
}

/** Parameter lookup ignoring case (Bitrix24 upper-cases keys for bizproc and most old-style methods). */
export function paramCI(params: Params, name: string): unknown {
  if (name in params) return params[name];
  const wanted = name.toLowerCase();
  const key = Object.keys(params).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : params[key];
}

export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function asInt(value: unknown): number | undefined {
  const text = asString(value);
  if (text === undefined || text.trim() === '') return undefined;
  const number = Number(text);
  return Number.isInteger(number) ? number : undefined;
}

export function isYes(value: unknown): boolean {
  return value === true || value === 1 || value === 'Y' || value === 'y' || value === '1' || value === 'true';
}

/** PHP's json_encode of an array: an empty or 0..n-1 keyed array is a JSON list, anything else an object. */
export function phpArray<T>(entries: [string, T][]): T[] | Record<string, T> {
  if (entries.every(([key], index) => key === String(index))) return entries.map(([, value]) => value);
  return Object.fromEntries(entries);
}

export function stripAuth(params: Params): Params {
  const { auth: _auth, ...rest } = params;
  return rest;
}
