import { BATCH_CHUNK_SIZE, buildBatchCommand, type BatchCommand } from './batch-command.js';
import { readBatchReply, type BatchCommandError, type BatchReplyBody } from './batch-reply.js';
import type { Bitrix24Caller } from './caller.js';
import type { RequestPriority } from './request-budget.js';

export { BATCH_CHUNK_SIZE, buildBatchCommand } from './batch-command.js';
export type { BatchCommand } from './batch-command.js';
export type { BatchCommandError } from './batch-reply.js';

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

/**
 * Runs any number of independent commands and maps each answer back to its key. With a coalescing client the
 * commands join the portal's queue and share `batch` requests with other callers' calls; otherwise (and always with
 * `halt`) they go as `batch` requests of 50, in the order given. A request that fails as a whole throws.
 */
export async function batch<K extends string>(
  client: Bitrix24Caller,
  memberId: string,
  commands: Record<K, BatchCommand>,
  opts: BatchOptions = {},
): Promise<BatchOutcome<K>> {
  const keys = Object.keys(commands) as K[];
  if (opts.halt !== true && client.callCommands !== undefined && keys.length > 0) {
    return coalesced(client.callCommands.bind(client), memberId, commands, keys, opts);
  }
  return asBatchRequests(client, memberId, commands, keys, opts);
}

async function coalesced<K extends string>(
  callCommands: NonNullable<Bitrix24Caller['callCommands']>,
  memberId: string,
  commands: Record<K, BatchCommand>,
  keys: K[],
  opts: BatchOptions,
): Promise<BatchOutcome<K>> {
  const outcome: BatchOutcome<K> = { results: {}, errors: {}, totals: {}, nexts: {}, notSent: [] };
  const answers = await callCommands(
    memberId,
    keys.map((key) => ({ ...commands[key], label: key })),
    { signal: opts.signal, priority: opts.priority },
  );
  answers.forEach((answer, index) => {
    const key = keys[index] as K;
    if (!answer.ok) {
      outcome.errors[key] = answer.error;
      return;
    }
    outcome.results[key] = answer.response.result;
    if (answer.response.total !== undefined) outcome.totals[key] = answer.response.total;
    if (answer.response.next !== undefined) outcome.nexts[key] = answer.response.next;
  });
  return outcome;
}

/** `$result[key]` references work only between commands of the same chunk. */
async function asBatchRequests<K extends string>(
  client: Bitrix24Caller,
  memberId: string,
  commands: Record<K, BatchCommand>,
  keys: K[],
  opts: BatchOptions,
): Promise<BatchOutcome<K>> {
  const outcome: BatchOutcome<K> = { results: {}, errors: {}, totals: {}, nexts: {}, notSent: [] };
  for (let start = 0; start < keys.length; start += BATCH_CHUNK_SIZE) {
    const chunk = keys.slice(start, start + BATCH_CHUNK_SIZE);
    const cmd: Record<string, string> = {};
    for (const key of chunk) cmd[key] = buildBatchCommand(commands[key]);
    const methods = [...new Set(chunk.map((key) => commands[key].method))];

    const reply = await client.call<BatchReplyBody>(
      memberId,
      'batch',
      { halt: opts.halt === true ? 1 : 0, cmd },
      { signal: opts.signal, budgetMethods: methods, priority: opts.priority },
    );

    for (const [key, entry] of readBatchReply(reply, chunk)) {
      const commandKey = key as K;
      if (entry.hasResult) outcome.results[commandKey] = entry.result;
      if (entry.error !== undefined) outcome.errors[commandKey] = entry.error;
      if (entry.total !== undefined) outcome.totals[commandKey] = entry.total;
      if (entry.next !== undefined) outcome.nexts[commandKey] = entry.next;
      // Each sub-command spends its own method's operating budget.
      client.limiter?.recordTime(memberId, commands[commandKey].method, entry.time);
    }

    const failed = chunk.some((key) => outcome.errors[key] !== undefined);
    if (opts.halt === true && failed) {
      outcome.notSent = keys.slice(start + BATCH_CHUNK_SIZE);
      break;
    }
  }
  return outcome;
}
