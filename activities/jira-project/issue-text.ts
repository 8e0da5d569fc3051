import type { DealForJira } from './deal.js';

/** Jira summary for a deal; never empty, since Jira requires one. */
export function issueSummary(deal: DealForJira): string {
  return deal.title === '' ? `Deal ${deal.id}` : `Deal ${deal.id}: ${deal.title}`;
}

/** Plain-text description (the Jira client turns each line into an ADF paragraph), with a link back to the deal. */
export function issueDescription(deal: DealForJira, portalDomain: string): string {
  const amount = deal.currency === '' ? String(deal.opportunity) : `${deal.opportunity} ${deal.currency}`;
  return [
    `Created from Bitrix24 deal ${deal.id}${deal.title === '' ? '' : ` "${deal.title}"`}.`,
    `Amount: ${amount}`,
    ...(deal.assignedById === undefined ? [] : [`Responsible (Bitrix24 user id): ${deal.assignedById}`]),
    `Deal: https://${portalDomain}/crm/deal/details/${deal.id}/`,
  ].join('\n');
}
