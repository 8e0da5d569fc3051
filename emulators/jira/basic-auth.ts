import { timingSafeEqual } from 'node:crypto';

/** Jira Cloud's API-token auth: `Authorization: Basic base64(email:apiToken)`, compared in constant time. */
export function basicAuthMatches(header: string | undefined, email: string, apiToken: string): boolean {
  const presented = Buffer.from(header ?? '');
  const expected = Buffer.from(`Basic ${Buffer.from(`${email}:${apiToken}`).toString('base64')}`);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
