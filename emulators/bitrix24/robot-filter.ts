import { isRecord } from './params.js';

/**
 * `FILTER` of bizproc.robot.add (b24restdocs api-reference/bizproc/bizproc-robot/bizproc-robot-add.md): `INCLUDE` rules
 * say where the designer shows the robot, `EXCLUDE` rules where it hides it. A rule is an edition (`b24` cloud, `box`
 * on-premise) or a document type in full or partial form (`['crm', 'CCrmDocumentDeal']`).
 */
export type DocumentType = readonly [string, string, string];

type Rule = string | readonly string[];

function rulesOf(value: unknown): Rule[] | undefined {
  const list = Array.isArray(value) ? value : isRecord(value) ? Object.values(value) : undefined;
  if (list === undefined) return undefined;
  const rules: Rule[] = [];
  for (const rule of list) {
    if (typeof rule === 'string') rules.push(rule);
    else if (Array.isArray(rule) && rule.length > 0 && rule.every((part) => typeof part === 'string')) rules.push(rule as string[]);
    else if (isRecord(rule) && Object.values(rule).every((part) => typeof part === 'string')) rules.push(Object.values(rule) as string[]);
    else return undefined;
  }
  return rules;
}

/** A FILTER the designer can use: an object with only INCLUDE and/or EXCLUDE lists of rules. */
export function isValidRobotFilter(filter: unknown): boolean {
  if (Array.isArray(filter)) return filter.length === 0;
  if (!isRecord(filter)) return false;
  return Object.entries(filter).every(([key, rules]) => (key === 'INCLUDE' || key === 'EXCLUDE') && rulesOf(rules) !== undefined);
}

/** The emulated portal is a cloud one (`b24`). */
function ruleMatches(rule: Rule, documentType: DocumentType): boolean {
  if (typeof rule === 'string') return rule === 'b24';
  return rule.every((part, index) => documentType[index] === part);
}

/** Whether the designer offers a robot registered with this FILTER for the document type. */
export function filterAdmits(filter: unknown, documentType: DocumentType): boolean {
  if (!isRecord(filter)) return true;
  const include = rulesOf(filter.INCLUDE);
  const exclude = rulesOf(filter.EXCLUDE) ?? [];
  if (include !== undefined && !include.some((rule) => ruleMatches(rule, documentType))) return false;
  return !exclude.some((rule) => ruleMatches(rule, documentType));
}
