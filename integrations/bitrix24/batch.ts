import type { RequestPriority } from './rate-limiter.js';
import type { Bitrix24Caller } from './caller.js';
import qs from 'qs';
import type { Bitrix24Params } from './client.js';
import type { Bitrix24Time } from './response.js';

/** Bitrix24 accepts at most 50 commands per batch ([EN] settings/how-to-call-rest-api/batch.md). */
export const BATCH_CHUNK_SIZE = 50;

export interface BatchCommand {
  method: string;
  params?: Bitrix24Params;
}

export interface BatchCommandError {
  error: string;
  error_description: string;
}

export interface BatchOptions {
  /** Stop at the first failing command: Bitrix24 halts inside the chunk, we do not send later chunks. */
  halt?: boolean;
  signal?: AbortSignal;
  priority?: RequestPriority;
}

export interface BatchOutcome<K extends string = string> {
  results: Partial<Record<K, unknown>>;
  errors: Partial<Record<K, BatchCommandError>>;
  totals: Partial<Record<K, number>>;
  nexts: Partial<Record<K, number>>;
  /** Commands never sent because `halt` stopped an earlier chunk. */
  notSent: K[];
}

interface BatchResult {
  result?: unknown;
  result_error?: unknown;
  result_total?: unknown;
  result_next?: unknown;
  result_time?: unknown;
}

/** Builds `method?query` with PHP bracket syntax, as Bitrix24 parses it with parse_str. */
export function buildBatchCommand(command: BatchCommand): string {
  const query = qs.stringify(command.params ?? {}, { skipNulls: true });
  return query === '' ? command.method : `${command.method}?${query}`;
}

/**
 * Bitrix24 returns groups as objects keyed by command, as `[]` when empty (a PHP empty array), and as a list when
 * the keys happen to be 0..n-1. Reads all three shapes back into the chunk's keys.
 */
function readGroup(group: unknown, keys: readonly string[]): Map<string, unknown> {
  const values = new Map<string, unknown>();
  if (group === null || typeof group !== 'object') return values;
  for (const [key, value] of Object.entries(group)) {
    if (keys.includes(key)) values.set(key, value);
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

/**
 * Runs any number of commands through `batch`, 50 per HTTP call, in the order given. `$result[key]` references
 * work only between commands of the same chunk.
 */
export async function batch<K extends string>(
  client: Bitrix24Caller,
  memberId: string,
  commands: Record<K, BatchCommand>,
  opts: BatchOptions = {},
): Promise<BatchOutcome<K>> {
  const outcome: BatchOutcome<K> = { results: {}, errors: {}, totals: {}, nexts: {}, notSent: [] };
  const keys = Object.keys(commands) as K[];
  for (let start = 0; start < keys.length; start += BATCH_CHUNK_SIZE) {
    const chunk = keys.slice(start, start + BATCH_CHUNK_SIZE);
    const cmd: Record<string, string> = {};
    for (const key of chunk) cmd[key] = buildBatchCommand(commands[key]);
    const methods = [...new Set(chunk.map((key) => commands[key].method))];

    const reply = await client.call<BatchResult>(
      memberId,
      'batch',
      { halt: opts.halt === true ? 1 : 0, cmd },
      { signal: opts.signal, budgetMethods: methods, priority: opts.priority },
    );

    for (const [key, value] of readGroup(reply.result, chunk)) outcome.results[key as K] = value;
    for (const [key, value] of readGroup(reply.result_error, chunk)) outcome.errors[key as K] = toError(value);
    for (const [key, value] of readGroup(reply.result_total, chunk)) {
      const total = toCount(value);
      if (total !== undefined) outcome.totals[key as K] = total;
    }
    for (const [key, value] of readGroup(reply.result_next, chunk)) {
      const next = toCount(value);
      if (next !== undefined) outcome.nexts[key as K] = next;
    }
    for (const [key, time] of readGroup(reply.result_time, chunk)) {
      // Each sub-command spends its own method's operating budget.
      client.limiter?.recordTime(memberId, commands[key as K].method, time as Bitrix24Time);
    }

    const failed = chunk.some((key) => outcome.errors[key] !== undefined);
    if (opts.halt === true && failed) {
      outcome.notSent = keys.slice(start + BATCH_CHUNK_SIZE);
      break;
    }
  }
  return outcome;
}
