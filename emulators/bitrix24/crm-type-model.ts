import { isoWithOffset } from './clock.js';
import { asInt, asString, isRecord } from './params.js';

export interface CrmType extends Record<string, unknown> {
  id: number;
  entityTypeId: number;
  title: string;
}

/**
 * A smart-process type as crm.type.add / crm.type.get / crm.type.list answer it (b24restdocs api-reference/crm/
 * universal/user-defined-object-types/crm-type-add.md: parameters with their defaults, and the answer's `type`).
 */
export const TYPE_FLAG_DEFAULTS = {
  isCategoriesEnabled: 'N',
  isStagesEnabled: 'N',
  isBeginCloseDatesEnabled: 'N',
  isClientEnabled: 'N',
  isUseInUserfieldEnabled: 'N',
  isLinkWithProductsEnabled: 'N',
  isMycompanyEnabled: 'N',
  isDocumentsEnabled: 'N',
  isSourceEnabled: 'N',
  isObserversEnabled: 'N',
  isRecyclebinEnabled: 'N',
  isAutomationEnabled: 'N',
  isBizProcEnabled: 'N',
  isSetOpenPermissions: 'Y',
  isPaymentsEnabled: 'N',
  isCountersEnabled: 'N',
} as const;

export type TypeFlag = keyof typeof TYPE_FLAG_DEFAULTS;

const CONTACT = 3;
const COMPANY = 4;

function yesNo(value: unknown, fallback: 'Y' | 'N'): 'Y' | 'N' {
  if (value === undefined || value === null || value === '') return fallback;
  return value === true || value === 'Y' || value === 'y' || value === 'true' || value === 1 || value === '1' ? 'Y' : 'N';
}

interface Relation {
  entityTypeId: number;
  isChildrenListEnabled: 'Y' | 'N';
  isPredefined: 'Y' | 'N';
}

/** `isChildrenListEnabled` is passed as "true"/"false" and answered as Y/N (crm-type-add.md). */
function relationsOf(raw: unknown, predefinedParents: number[]): { parent: Relation[]; child: Relation[] } {
  const record = isRecord(raw) ? raw : {};
  const list = (value: unknown, predefined: number[]): Relation[] => {
    const given = (Array.isArray(value) ? value : isRecord(value) ? Object.values(value) : [])
      .filter(isRecord)
      .map((relation) => ({
        entityTypeId: asInt(relation.entityTypeId) ?? 0,
        isChildrenListEnabled: yesNo(relation.isChildrenListEnabled, 'N'),
        isPredefined: 'N' as const,
      }))
      .filter((relation) => relation.entityTypeId > 0);
    const preset = predefined
      .filter((entityTypeId) => !given.some((relation) => relation.entityTypeId === entityTypeId))
      .map((entityTypeId) => ({ entityTypeId, isChildrenListEnabled: 'Y' as const, isPredefined: 'Y' as const }));
    return [...preset, ...given];
  };
  return { parent: list(record.parent, predefinedParents), child: list(record.child, []) };
}

export interface NewCrmType {
  id: number;
  entityTypeId: number;
  userId: number;
  nowMs: number;
}

/** The whole documented field set of a type, from the fields crm.type.add was given. */
export function crmTypeFrom(fields: Record<string, unknown>, created: NewCrmType): CrmType {
  const flags = Object.fromEntries(
    Object.entries(TYPE_FLAG_DEFAULTS).map(([flag, fallback]) => [flag, yesNo(fields[flag], fallback)]),
  ) as Record<TypeFlag, 'Y' | 'N'>;
  const now = isoWithOffset(created.nowMs);
  // "When this option is enabled, the SPA has a preset binding to Contacts and Companies."
  const predefinedParents = flags.isClientEnabled === 'Y' ? [CONTACT, COMPANY] : [];
  const linked = isRecord(fields.linkedUserFields) ? fields.linkedUserFields : {};
  return {
    id: created.id,
    createdBy: created.userId,
    entityTypeId: created.entityTypeId,
    ...flags,
    createdTime: now,
    updatedTime: now,
    updatedBy: created.userId,
    title: asString(fields.title) ?? '',
    // The list/get examples show `code` ("" when none was given); the add example leaves it out.
    code: asString(fields.code) ?? '',
    relations: relationsOf(fields.relations, predefinedParents),
    // Considered only with isUseInUserfieldEnabled = Y.
    linkedUserFields:
      flags.isUseInUserfieldEnabled === 'Y' ? Object.fromEntries(Object.entries(linked).map(([key, value]) => [key, yesNo(value, 'N')])) : {},
    customSections: [],
    customSectionId: null,
  };
}

export function typeFlag(type: CrmType | undefined, flag: TypeFlag): boolean {
  return (type?.[flag] ?? TYPE_FLAG_DEFAULTS[flag]) === 'Y';
}
