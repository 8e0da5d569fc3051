/**
 * The camelCase name crm.item.* uses for a CRM user field (b24restdocs api-reference/crm/universal/index.md "Field
 * Naming Conventions"). After `UF_CRM_` comes an object number and a tail:
 * - regular conversion when the tail is only digits or only letters: underscores between numeric blocks stay, the
 *   others go (UF_CRM_3_1747309727 → ufCrm3_1747309727, UF_CRM_3_DIGIT → ufCrm3Digit);
 * - simplified conversion when letters and digits are mixed, in one part or across parts: only the prefix changes
 *   (UF_CRM_3_DIGIT10 → ufCrm_3_DIGIT10, UF_CRM_3_DIGIT_10 → ufCrm_3_DIGIT_10), and for a bare number
 *   (UF_CRM_1747309879 → ufCrm_1747309879).
 * A name without an object number and only letters (a deal field such as UF_CRM_ERP_ORDER_ID) converts regularly.
 */
export function userFieldCamelName(upperName: string): string {
  const match = /^UF_CRM_(.+)$/.exec(upperName);
  if (!match?.[1]) throw new TypeError(`${upperName} is not a CRM user field name`);
  const rest = match[1];
  const parts = rest.split('_').filter(Boolean);
  const numeric = (part: string) => /^\d+$/.test(part);
  const letters = (part: string) => /^[A-Za-z]+$/.test(part);
  const simplified = `ufCrm_${rest}`;
  const [first = '', ...tail] = parts;
  if (numeric(first)) {
    if (tail.length === 0) return simplified;
    if (tail.every(numeric)) return `ufCrm${first}_${tail.join('_')}`;
    if (tail.every(letters)) return `ufCrm${first}${camelParts(tail)}`;
    return simplified;
  }
  return parts.every(letters) ? `ufCrm${camelParts(parts)}` : simplified;
}

function camelParts(parts: readonly string[]): string {
  return parts.map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase()).join('');
}

/** Claim user fields, declared on the Claim smart process as UF_CRM_{typeId}_{suffix} (typeId = crm.type id). */
export const CLAIM_FIELD_SUFFIX = {
  /** The claim number CL-{year}-{NNNN}. */
  number: 'CLAIM_NUMBER',
  /** The quality task created for the claim: also the marker that makes task creation idempotent. */
  qualityTaskId: 'QUALITY_TASK_ID',
  /** The deal the claim names (e.g. filled in by a web form); copied into parentId2. */
  dealId: 'DEAL_ID',
} as const;

export type ClaimFieldNames = Record<keyof typeof CLAIM_FIELD_SUFFIX, string>;

export function claimFieldNames(claimTypeId: number): ClaimFieldNames {
  const name = (suffix: string) => userFieldCamelName(`UF_CRM_${claimTypeId}_${suffix}`);
  return {
    number: name(CLAIM_FIELD_SUFFIX.number),
    qualityTaskId: name(CLAIM_FIELD_SUFFIX.qualityTaskId),
    dealId: name(CLAIM_FIELD_SUFFIX.dealId),
  };
}

/**
 * User fields of the "Invoice totals" helper smart process. The helper is created without product linking, so it has
 * no `opportunity`/`currencyId` (crm-item-add.md: "Only available if the isLinkWithProductsEnabled setting is
 * enabled"); the total lives in these fields instead.
 */
export const INVOICE_TOTAL_FIELD_SUFFIX = {
  total: 'TOTAL',
  currency: 'CURRENCY',
} as const;

export type InvoiceTotalFieldNames = Record<keyof typeof INVOICE_TOTAL_FIELD_SUFFIX, string>;

export function invoiceTotalFieldNames(helperTypeId: number): InvoiceTotalFieldNames {
  return {
    total: userFieldCamelName(`UF_CRM_${helperTypeId}_${INVOICE_TOTAL_FIELD_SUFFIX.total}`),
    currency: userFieldCamelName(`UF_CRM_${helperTypeId}_${INVOICE_TOTAL_FIELD_SUFFIX.currency}`),
  };
}

/** `UF_CRM_TASK` binding of a CRM item: `T{hex entityTypeId}_{id}` for smart processes, `D_{id}` for deals (tasks/fields.md). */
export function crmTaskBinding(entityTypeId: number, id: number): string {
  if (entityTypeId === 2) return `D_${id}`;
  return `T${entityTypeId.toString(16)}_${id}`;
}
