import { isRecord } from './params.js';

/**
 * A user field as `userfieldconfig.add` / `userfieldconfig.list` answer it (b24restdocs
 * api-reference/crm/universal/userfieldconfig/userfieldconfig-add.md, userfieldconfig-list.md): ids and sort as
 * strings, every flag as `Y`/`N`, the label maps keyed by the portal's languages, `enum` only for `enumeration`.
 * The emulator keeps the module beside the field (the list filters by it); it is not part of the answer.
 */

/** The label maps of a field ("lang_map", crm/data-types.md). */
const LABEL_KEYS = ['editFormLabel', 'listColumnLabel', 'listFilterLabel', 'errorMessage', 'helpMessage'] as const;

/** CHOICE: the portal's languages are English plus every language a label was given in (the docs' example shows en, ru). */
function languagesOf(field: Record<string, unknown>): string[] {
  const given = LABEL_KEYS.flatMap((key) => (isRecord(field[key]) ? Object.keys(field[key]) : []));
  return [...new Set(['en', ...given])];
}

function flag(value: unknown, fallback: 'Y' | 'N'): 'Y' | 'N' {
  if (value === 'Y' || value === true) return 'Y';
  if (value === 'N' || value === false) return 'N';
  return fallback;
}

/** `enum` entries of an enumeration field, with the ids the portal gives them (userfieldconfig-add.md example). */
export function enumEntries(raw: unknown, fieldId: number, nextId: () => number): Record<string, unknown>[] {
  const entries = Array.isArray(raw) ? raw : isRecord(raw) ? Object.values(raw) : [];
  return entries.filter(isRecord).map((entry, index) => ({
    id: String(nextId()),
    userFieldId: String(fieldId),
    value: String(entry.value ?? ''),
    def: flag(entry.def, 'N'),
    sort: String(entry.sort ?? (index + 1) * 100),
    xmlId: entry.xmlId === undefined ? null : String(entry.xmlId),
  }));
}

export function userFieldView(field: Record<string, unknown>): Record<string, unknown> {
  const languages = languagesOf(field);
  const labels = Object.fromEntries(
    LABEL_KEYS.map((key) => {
      const given = isRecord(field[key]) ? field[key] : {};
      return [key, Object.fromEntries(languages.map((language) => [language, given[language] ?? null]))];
    }),
  );
  const userTypeId = String(field.userTypeId);
  return {
    id: String(field.id),
    entityId: String(field.entityId),
    fieldName: String(field.fieldName),
    userTypeId,
    xmlId: field.xmlId === undefined || field.xmlId === null ? null : String(field.xmlId),
    sort: String(field.sort ?? 100),
    multiple: flag(field.multiple, 'N'),
    mandatory: flag(field.mandatory, 'N'),
    showFilter: typeof field.showFilter === 'string' ? field.showFilter : 'N',
    showInList: flag(field.showInList, 'Y'),
    editInList: flag(field.editInList, 'Y'),
    isSearchable: flag(field.isSearchable, 'N'),
    settings: isRecord(field.settings) ? field.settings : {},
    languageId: Object.fromEntries(languages.map((language) => [language, language])),
    ...labels,
    ...(userTypeId === 'enumeration' ? { enum: Array.isArray(field.enum) ? field.enum : [] } : {}),
  };
}
