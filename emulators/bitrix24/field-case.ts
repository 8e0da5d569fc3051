/**
 * crm.item.* speaks camelCase, crm.deal.* UPPER_CASE. The emulator stores camelCase and converts,
 * following the user-field rules of crm/universal/index.md ("Field Naming Conventions").
 */
const ALIASES_TO_UPPER: Record<string, string> = {
  createdTime: 'DATE_CREATE',
  updatedTime: 'DATE_MODIFY',
  createdBy: 'CREATED_BY_ID',
  updatedBy: 'MODIFY_BY_ID',
  movedBy: 'MOVED_BY_ID',
  begindate: 'BEGINDATE',
  closedate: 'CLOSEDATE',
};
const ALIASES_TO_CAMEL = Object.fromEntries(Object.entries(ALIASES_TO_UPPER).map(([camel, upper]) => [upper, camel]));

export function camelToUpper(name: string): string {
  const alias = ALIASES_TO_UPPER[name];
  if (alias) return alias;
  const simplified = /^ufCrm_(.+)$/.exec(name);
  if (simplified?.[1]) return `UF_CRM_${simplified[1].toUpperCase()}`;
  const typed = /^ufCrm(\d+)_(.+)$/.exec(name);
  if (typed?.[1] && typed[2]) return `UF_CRM_${typed[1]}_${typed[2].toUpperCase()}`;
  return name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/([A-Za-z])(\d)/g, '$1_$2')
    .replace(/(\d)([A-Za-z])/g, '$1_$2')
    .toUpperCase();
}

export function upperToCamel(name: string): string {
  const alias = ALIASES_TO_CAMEL[name];
  if (alias) return alias;
  const uf = /^UF_CRM_(.+)$/.exec(name);
  if (uf?.[1]) return userFieldToCamel(uf[1]);
  return partsToCamel(name.split('_'), false);
}

/**
 * crm/universal/index.md "Field Naming Conventions": after the object number, a tail of only digits or only letters
 * converts regularly (UF_CRM_3_1747309727 → ufCrm3_1747309727, UF_CRM_3_DIGIT → ufCrm3Digit); letters mixed with
 * digits, in one part or across parts, keep the name and change only the prefix (UF_CRM_3_DIGIT10 → ufCrm_3_DIGIT10,
 * UF_CRM_3_DIGIT_10 → ufCrm_3_DIGIT_10), as does a bare number (UF_CRM_1747309879 → ufCrm_1747309879).
 */
function userFieldToCamel(rest: string): string {
  const parts = rest.split('_').filter(Boolean);
  const numeric = (part: string) => /^\d+$/.test(part);
  const letters = (part: string) => /^[A-Za-z]+$/.test(part);
  const simplified = `ufCrm_${rest}`;
  const [first = '', ...tail] = parts;
  if (numeric(first)) {
    if (tail.length === 0) return simplified;
    if (tail.every(numeric)) return `ufCrm${first}_${tail.join('_')}`;
    if (tail.every(letters)) return `ufCrm${first}${partsToCamel(tail, true)}`;
    return simplified;
  }
  return parts.every(letters) ? `ufCrm${partsToCamel(parts, true)}` : simplified;
}

function partsToCamel(parts: string[], capitalizeFirst: boolean): string {
  return parts
    .filter(Boolean)
    .map((part, index) => {
      const lower = part.toLowerCase();
      return index === 0 && !capitalizeFirst ? lower : lower.charAt(0).toUpperCase() + lower.slice(1);
    })
    .join('');
}
