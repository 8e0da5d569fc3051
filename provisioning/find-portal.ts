import type { Client } from '@temporalio/client';
import { SA_PORTAL, SA_PROCESS } from '../contracts/search-attributes.js';
import type { PortalStore } from '../lib/portals/store.js';

export class PortalNotFoundError extends Error {
  override readonly name = 'PortalNotFoundError';
}

/** `https://Example.bitrix24.com/` → `example.bitrix24.com` */
export function normalizeDomain(portal: string): string {
  return portal.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

/**
 * The member_id of an installed portal, given its member_id or its domain. Domains are matched against the
 * credentials of every portal workflow (found by the B24Process search attribute; member ids are in B24Portal).
 */
export async function findPortalMemberId(deps: { client: Client; store: Pick<PortalStore, 'find'> }, portal: string): Promise<string> {
  const direct = await deps.store.find(portal.trim());
  if (direct !== null) return direct.memberId;
  const domain = normalizeDomain(portal);
  const query = `${SA_PROCESS.name} = 'portal-credentials' AND ExecutionStatus = 'Running'`;
  for await (const execution of deps.client.workflow.list({ query })) {
    const memberId = execution.typedSearchAttributes.get(SA_PORTAL);
    if (memberId === undefined) continue;
    const credentials = await deps.store.find(memberId);
    if (credentials !== null && normalizeDomain(credentials.domain) === domain) return credentials.memberId;
  }
  throw new PortalNotFoundError(`no installed portal with member_id or domain "${portal}"`);
}
