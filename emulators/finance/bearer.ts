import { timingSafeEqual } from 'node:crypto';

/** Compares the presented Bearer token in constant time, as a real API gateway would. */
export function bearerMatches(header: string | undefined, expectedToken: string): boolean {
  const presented = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${expectedToken}`);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
