/**
 * The camelCase name crm.item.* uses for a user field (protocol 9.1, [EN] crm/universal/index.md "Field Naming
 * Conventions"): UF_CRM_3_DIGIT → ufCrm3Digit, UF_CRM_3_1747309727 → ufCrm3_1747309727,
 * UF_CRM_3_DIGIT10 → ufCrm_3_DIGIT10 (letters mixed with digits keep the "simplified" form), UF_CRM_1747309879 → ufCrm_1747309879.
 */
export function userFieldCamelName(upperName: string): string {
  const match = /^UF_CRM_(.+)$/.exec(upperName);
  if (!match?.[1]) throw new TypeError(`${upperName} is not a CRM user field name`);
  const rest = match[1];
  if (/^\d+$/.test(rest)) return `ufCrm_${rest}`;
  const numeric = /^(\d+)_(\d+)$/.exec(rest);
  if (numeric) return `ufCrm${numeric[1]}_${numeric[2]}`;
  if (/[A-Z]\d|\d[A-Z]/.test(rest.replace(/^\d+_/, ''))) return `ufCrm_${rest}`;
  return `ufCrm${rest
    .split('_')
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('')}`;
}

/** Claim user fields, declared on the Claim smart process as UF_CRM_{typeId}_{suffix} (typeId = crm.type id, protocol 9.4). */
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

/** `UF_CRM_TASK` binding of a CRM item: `T{hex entityTypeId}_{id}` for smart processes, `D_{id}` for deals (protocol 9.5). */
export function crmTaskBinding(entityTypeId: number, id: number): string {
  if (entityTypeId === 2) return `D_${id}`;
  return `T${entityTypeId.toString(16)}_${id}`;
}
