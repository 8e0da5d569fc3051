import qs from 'qs';

/** Bitrix24 accepts at most 50 commands per batch ([EN] settings/how-to-call-rest-api/batch.md). */
export const BATCH_CHUNK_SIZE = 50;

/**
 * Methods that never run inside `batch`: `batch` itself (nesting is refused since rest 24.0.0, batch.md) and the file
 * transfer methods `download` / `upload` (Bitrix24 core modules/rest/classes/general/rest_provider.php methodsBatch).
 */
const UNBATCHABLE_METHODS = new Set(['batch', 'download', 'upload']);

/**
 * Bitrix24 substitutes `$result[...]`, `$next[...]`, `$total[...]`, `$time[...]` and `$error[...]` in every command
 * parameter (core modules/rest/classes/general/rest_util.php processBatchElement): a value that merely contains such
 * text would be rewritten, so it must travel outside a batch.
 */
const BATCH_REFERENCE = /\$(?:result|next|total|time|error)/i;

/** PHP's parse_str stops at max_input_vars (1000 by default) and drops the rest silently. */
const MAX_FIELDS_PER_COMMAND = 1000;

export interface BatchCommand {
  method: string;
  params?: Record<string, unknown>;
}

/**
 * `method?query` with PHP bracket syntax, as Bitrix24 parses it with parse_str (rest_util.php ParseBatchQuery).
 * Booleans become 1 / 0 as PHP's own http_build_query writes them (the official PHP SDK builds batch rows that way,
 * b24phpsdk src/Core/Batch.php): parse_str yields strings, and PHP reads "0" as false but "false" as true.
 */
export function buildBatchCommand(command: BatchCommand): string {
  const query = qs.stringify(command.params ?? {}, {
    skipNulls: true,
    filter: (_prefix, value: unknown) => (typeof value === 'boolean' ? (value ? 1 : 0) : value),
  });
  return query === '' ? command.method : `${command.method}?${query}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * Why a call cannot be one command of a coalesced `batch` without changing what Bitrix24 receives, or undefined when
 * it can. The JSON body of a lone call keeps nulls, empty arrays and types; a command string cannot: parse_str gives
 * strings only and drops empty arrays, so such calls go alone.
 */
export function batchCommandProblem(method: string, params: Record<string, unknown>): string | undefined {
  if (UNBATCHABLE_METHODS.has(method.toLowerCase())) return `${method} is not allowed inside batch`;
  let fields = 0;
  const visit = (value: unknown, path: string): string | undefined => {
    if (value === undefined) return undefined;
    if (value === null) return `${path} is null`;
    if (typeof value === 'string') {
      fields += 1;
      return BATCH_REFERENCE.test(value) ? `${path} contains a batch reference` : undefined;
    }
    if (typeof value === 'number') {
      fields += 1;
      return Number.isFinite(value) ? undefined : `${path} is not a finite number`;
    }
    if (typeof value === 'boolean') {
      fields += 1;
      return undefined;
    }
    const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : isPlainObject(value) ? Object.entries(value) : undefined;
    if (entries === undefined) return `${path} is not plain JSON data`;
    if (entries.length === 0) return `${path} is empty`;
    for (const [key, item] of entries) {
      // parse_str reads brackets in a key as nesting; `$` could start a reference (processBatchStructure on keys).
      if (key === '' || /[[\]$]/.test(key)) return `${path} has the key ${JSON.stringify(key)}`;
      const problem = visit(item, `${path}[${key}]`);
      if (problem !== undefined) return problem;
    }
    return fields > MAX_FIELDS_PER_COMMAND ? `more than ${MAX_FIELDS_PER_COMMAND} fields` : undefined;
  };
  for (const [key, value] of Object.entries(params)) {
    // parse_str turns `.` and spaces in a top-level name into `_`.
    if (key === '' || /[[\]$. ]/.test(key)) return `parameter ${JSON.stringify(key)} cannot be a query name`;
    const problem = visit(value, key);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
