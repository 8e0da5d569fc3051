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
  if (uf?.[1]) {
    const rest = uf[1];
    if (/^\d+$/.test(rest)) return `ufCrm_${rest}`;
    const typed = /^(\d+)_(\d+)$/.exec(rest);
    if (typed) return `ufCrm${typed[1]}_${typed[2]}`;
    if (/[A-Z]\d|\d[A-Z]/.test(rest.replace(/^\d+_/, ''))) return `ufCrm_${rest}`;
    return `ufCrm${partsToCamel(rest.split('_'), true)}`;
  }
  return partsToCamel(name.split('_'), false);
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
