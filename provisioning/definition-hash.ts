import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal definitions hash equally whatever order they were built in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** One short hash per top-level field: enough to say which fields changed, small enough to keep per portal. */
export function fieldHashes(fields: object): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 16)]),
  );
}

/** Names of fields whose hash differs, including fields present on one side only. */
export function differingFields(recorded: Record<string, string>, desired: Record<string, string>): string[] {
  const names = new Set([...Object.keys(recorded), ...Object.keys(desired)]);
  return [...names].filter((name) => recorded[name] !== desired[name]).sort();
}
