import qs from 'qs';

/** PHP-bracket form parsing with limits wide enough for 50-command batches and long property lists. */
export function parseForm(text: string): Record<string, unknown> {
  return qs.parse(text, { depth: 10, arrayLimit: 1000, parameterLimit: 10_000 }) as Record<string, unknown>;
}
