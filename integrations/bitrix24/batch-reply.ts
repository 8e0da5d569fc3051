import type { Bitrix24Time } from './response.js';

export interface BatchCommandError {
  error: string;
  error_description: string;
}

/** What `batch` answered for one command key ([EN] settings/how-to-call-rest-api/batch.md, "Returned Data"). */
export interface BatchEntry {
  /** Present (possibly null) when the command succeeded. */
  hasResult: boolean;
  result: unknown;
  error: BatchCommandError | undefined;
  total: number | undefined;
  next: number | undefined;
  time: Bitrix24Time | undefined;
}

export interface BatchReplyBody {
  result?: unknown;
  result_error?: unknown;
  result_total?: unknown;
  result_next?: unknown;
  result_time?: unknown;
}

/**
 * Bitrix24 returns groups as objects keyed by command, as `[]` when empty (a PHP empty array), and as a list when
 * the keys happen to be 0..n-1. Reads all three shapes back into the given keys.
 */
function readGroup(group: unknown, keys: ReadonlySet<string>): Map<string, unknown> {
  const values = new Map<string, unknown>();
  if (group === null || typeof group !== 'object') return values;
  for (const [key, value] of Object.entries(group)) {
    if (keys.has(key)) values.set(key, value);
  }
  return values;
}

function toError(value: unknown): BatchCommandError {
  const record = (value ?? {}) as Record<string, unknown>;
  return {
    error: record.error === undefined || record.error === null ? '' : String(record.error),
    error_description: typeof record.error_description === 'string' ? record.error_description : '',
  };
}

function toCount(value: unknown): number | undefined {
  const count = typeof value === 'string' ? Number(value) : value;
  return typeof count === 'number' && Number.isFinite(count) ? count : undefined;
}

function toTime(value: unknown): Bitrix24Time | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Bitrix24Time) : undefined;
}

/** The answer of one `batch` request, per command key. */
export function readBatchReply(body: BatchReplyBody | null | undefined, keys: readonly string[]): Map<string, BatchEntry> {
  const wanted = new Set(keys);
  const results = readGroup(body?.result, wanted);
  const errors = readGroup(body?.result_error, wanted);
  const totals = readGroup(body?.result_total, wanted);
  const nexts = readGroup(body?.result_next, wanted);
  const times = readGroup(body?.result_time, wanted);
  const entries = new Map<string, BatchEntry>();
  for (const key of keys) {
    const error = errors.get(key);
    entries.set(key, {
      hasResult: results.has(key),
      result: results.get(key),
      error: error === undefined ? undefined : toError(error),
      total: toCount(totals.get(key)),
      next: toCount(nexts.get(key)),
      time: toTime(times.get(key)),
    });
  }
  return entries;
}
