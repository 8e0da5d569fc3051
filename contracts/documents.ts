/** Parsing of Bitrix24 business-process document ids (`DEAL_123`, `DYNAMIC_147_1`, `SMART_INVOICE_3`). */

export const ENTITY_TYPE = {
  lead: 1,
  deal: 2,
  contact: 3,
  company: 4,
  smartInvoice: 31,
} as const;

export interface CrmItemRef {
  entityTypeId: number;
  id: number;
}

export function parseDocumentId(documentId: readonly [string, string, string]): CrmItemRef | null {
  const raw = documentId[2];
  const simple: Record<string, number> = { LEAD: 1, DEAL: 2, CONTACT: 3, COMPANY: 4, SMART_INVOICE: 31 };
  const dynamic = /^DYNAMIC_(\d+)_(\d+)$/.exec(raw);
  if (dynamic) return { entityTypeId: Number(dynamic[1]), id: Number(dynamic[2]) };
  const match = /^([A-Z_]+)_(\d+)$/.exec(raw);
  if (!match) return null;
  const entityTypeId = simple[match[1] ?? ''];
  return entityTypeId === undefined ? null : { entityTypeId, id: Number(match[2]) };
}

/** Human-readable document label for summaries and search attributes, e.g. `DEAL_123`. */
export function documentKey(documentId: readonly [string, string, string]): string {
  return documentId[2];
}

const ENTITY_LABELS: Record<number, string> = { 1: 'Lead', 2: 'Deal', 3: 'Contact', 4: 'Company', 31: 'Smart invoice' };

/** How people name a CRM item in summaries: `Deal 123`, `Smart invoice 3`, `Item 147/3` for a smart process. */
export function crmItemLabel(item: CrmItemRef): string {
  const label = ENTITY_LABELS[item.entityTypeId];
  return label ? `${label} ${item.id}` : `Item ${item.entityTypeId}/${item.id}`;
}

/** A business-process document for summaries: a CRM item's label, or the raw document id otherwise. */
export function documentLabel(documentId: readonly [string, string, string]): string {
  const item = documentId[0] === 'crm' ? parseDocumentId(documentId) : null;
  return item ? crmItemLabel(item) : documentId[2];
}
