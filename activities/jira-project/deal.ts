/** The deal fields the Jira issue is built from, as crm.deal.get returns them (numbers arrive as strings). */
export interface DealForJira {
  id: number;
  title: string;
  opportunity: number;
  currency: string;
  /** The responsible user, when the deal has one. */
  assignedById?: number;
}

export function toDealForJira(dealId: number, raw: Record<string, unknown>): DealForJira {
  const assignedById = Number(raw.ASSIGNED_BY_ID);
  const opportunity = Number(raw.OPPORTUNITY);
  return {
    id: dealId,
    title: typeof raw.TITLE === 'string' ? raw.TITLE.trim() : '',
    opportunity: Number.isFinite(opportunity) ? opportunity : 0,
    currency: typeof raw.CURRENCY_ID === 'string' ? raw.CURRENCY_ID : '',
    ...(Number.isInteger(assignedById) && assignedById > 0 ? { assignedById } : {}),
  };
}
