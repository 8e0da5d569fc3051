/** Jira labels cannot contain whitespace and stop at 255 characters. */
const MAX_LABEL_LENGTH = 255;
const UNSAFE_LABEL_CHARACTERS = /[^A-Za-z0-9_.-]/g;

/**
 * The label that marks the Jira issue created for one deal of one portal, so a retried or re-delivered robot call
 * finds it instead of creating a second one: `b24-deal-<memberId>-<dealId>`.
 */
export function dealLabel(memberId: string, dealId: string | number): string {
  const member = memberId.trim().replace(UNSAFE_LABEL_CHARACTERS, '_');
  const deal = String(dealId).trim().replace(UNSAFE_LABEL_CHARACTERS, '_');
  if (member === '' || deal === '') throw new TypeError('dealLabel needs a memberId and a dealId');
  const label = `b24-deal-${member}-${deal}`;
  if (label.length > MAX_LABEL_LENGTH) throw new TypeError(`deal label would exceed ${MAX_LABEL_LENGTH} characters`);
  return label;
}

export function isValidJiraLabel(label: string): boolean {
  return label.length > 0 && label.length <= MAX_LABEL_LENGTH && !/\s/.test(label);
}

/** A JQL string literal: double quotes, with `"` and `\` escaped. */
export function jqlString(value: string): string {
  return `"${value.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
}
