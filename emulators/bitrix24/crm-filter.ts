import { restErrors } from './errors.js';
import { asString, isRecord } from './params.js';

const PREFIX = /^(>=|<=|!=%|!%=|=%|%=|!%|!@|!=|>|<|@|%|=|!)?(.+)$/;

function fieldValue(row: Record<string, unknown>, field: string): unknown {
  if (field in row) return row[field];
  const wanted = field.toLowerCase();
  const key = Object.keys(row).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : row[key];
}

function compare(left: unknown, right: unknown): number {
  const a = Number(left);
  const b = Number(right);
  if (asString(left) !== undefined && asString(right) !== undefined && !Number.isNaN(a) && !Number.isNaN(b)) return a - b;
  return String(left ?? '').localeCompare(String(right ?? ''));
}

function same(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((entry) => same(entry, expected));
  if (expected === null || expected === '') return actual === null || actual === undefined || actual === '';
  if (typeof actual === 'boolean') return actual === (expected === true || expected === 'Y' || expected === '1' || expected === 1);
  return String(actual) === String(expected);
}

function like(actual: unknown, pattern: string): boolean {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*');
  return new RegExp(`^${escaped}$`, 'i').test(String(actual ?? ''));
}

function matchesCondition(row: Record<string, unknown>, key: string, expected: unknown): boolean {
  const match = PREFIX.exec(key);
  if (!match?.[2]) throw restErrors.invalidArg(`Invalid filter key ${key}`);
  const [, prefix = '', field] = match;
  const actual = fieldValue(row, field);
  const list = Array.isArray(expected) ? expected : [expected];
  switch (prefix) {
    case '':
    case '=':
      return list.some((value) => same(actual, value));
    case '!':
    case '!=':
      return !list.some((value) => same(actual, value));
    case '@':
      return list.some((value) => same(actual, value));
    case '!@':
      return !list.some((value) => same(actual, value));
    case '>':
      return compare(actual, expected) > 0;
    case '>=':
      return compare(actual, expected) >= 0;
    case '<':
      return compare(actual, expected) < 0;
    case '<=':
      return compare(actual, expected) <= 0;
    case '%':
      return String(actual ?? '').toLowerCase().includes(String(expected).toLowerCase());
    case '!%':
      return !String(actual ?? '').toLowerCase().includes(String(expected).toLowerCase());
    case '=%':
    case '%=':
      return like(actual, String(expected));
    default:
      return !like(actual, String(expected));
  }
}

/** The CRM filter language of `crm.item.list`: prefixed keys, AND by default, `logic: 'OR'` over nested filters. */
export function matchesFilter(row: Record<string, unknown>, filter: Record<string, unknown>): boolean {
  const { logic, ...conditions } = filter;
  const results = Object.entries(conditions).map(([key, expected]) =>
    isRecord(expected) && /^\d+$/.test(key) ? matchesFilter(row, expected) : matchesCondition(row, key, expected),
  );
  return String(logic ?? 'AND').toUpperCase() === 'OR' ? results.some(Boolean) : results.every(Boolean);
}

/** Sorts by an `order` object such as `{ id: 'ASC' }` (keys are matched case-insensitively). */
export function sortRows<T extends Record<string, unknown>>(rows: T[], order: Record<string, unknown>): T[] {
  const entries = Object.entries(order);
  if (entries.length === 0) return rows;
  for (const [, direction] of entries) {
    if (!['ASC', 'DESC'].includes(String(direction).toUpperCase())) throw restErrors.invalidArg(`Invalid order direction ${String(direction)}`);
  }
  return [...rows].sort((left, right) => {
    for (const [field, direction] of entries) {
      const result = compare(fieldValue(left, field), fieldValue(right, field));
      if (result !== 0) return String(direction).toUpperCase() === 'DESC' ? -result : result;
    }
    return 0;
  });
}
