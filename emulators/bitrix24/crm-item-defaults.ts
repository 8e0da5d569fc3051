/**
 * What a new CRM item carries before the caller's fields: the common fields of every type
 * (b24restdocs api-reference/crm/universal/object-fields.md, "Common Fields") and, for deals, the fields
 * crm.deal.get lists (api-reference/crm/deals/crm-deal-get.md, "Deal Type"). Values the docs leave to the portal
 * (stage, category, flags) are those of a deal created in the general pipeline without further input.
 */
const DEAL = 2;

export function itemDefaults(entityTypeId: number, userId: number, nowIso: string): Record<string, unknown> {
  const common = {
    opened: 'Y',
    lastActivityBy: userId,
    lastActivityTime: nowIso,
    utmSource: null,
    utmMedium: null,
    utmCampaign: null,
    utmContent: null,
    utmTerm: null,
    webformId: null,
  };
  if (entityTypeId !== DEAL) return common;
  return {
    ...common,
    typeId: null,
    categoryId: 0,
    stageId: 'NEW',
    stageSemanticId: 'P',
    isNew: 'Y',
    isRecurring: 'N',
    isReturnCustomer: 'N',
    isRepeatedApproach: 'N',
    closed: 'N',
    probability: null,
    isManualOpportunity: 'N',
    taxValue: 0,
    companyId: 0,
    contactId: 0,
    quoteId: null,
    leadId: null,
    begindate: nowIso,
    closedate: null,
    comments: '',
    sourceId: null,
    sourceDescription: null,
    movedBy: userId,
    movedTime: nowIso,
    originatorId: null,
    originId: null,
    additionalInfo: null,
    locationId: null,
  };
}
