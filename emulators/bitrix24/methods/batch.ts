import { RestError, restErrors } from '../errors.js';
import { parseForm } from '../form-parsing.js';
import type { MethodTable } from '../method-types.js';
import { asRecord, isRecord, isYes, phpArray } from '../params.js';

const MAX_BATCH_LENGTH = 50;

/** Replaces `$result[key][field]...` with values from earlier commands of the same batch. */
function substituteReferences(command: string, results: Map<string, unknown>): string {
  return command.replace(/\$result((?:\[[^\]]*\])+)/g, (_match, path: string) => {
    const segments = [...path.matchAll(/\[([^\]]*)\]/g)].map((segment) => segment[1] ?? '');
    let value: unknown = results.get(segments[0] ?? '');
    for (const segment of segments.slice(1)) value = isRecord(value) || Array.isArray(value) ? asRecord(value)[segment] : undefined;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return encodeURIComponent(String(value));
    return '';
  });
}

function splitCommand(command: string): { method: string; query: string } {
  const question = command.indexOf('?');
  const method = (question < 0 ? command : command.slice(0, question)).trim().replace(/\.json$/i, '');
  return { method, query: question < 0 ? '' : command.slice(question + 1) };
}

export const batchMethods: MethodTable = {
  batch: {
    handler: async (params, ctx) => {
      const halt = isYes(params.halt);
      const commands = Object.entries(asRecord(params.cmd));
      const results = new Map<string, unknown>();
      const errors: [string, ReturnType<RestError['toBody']>][] = [];
      const totals: [string, number][] = [];
      const nexts: [string, number][] = [];
      const times: [string, unknown][] = [];

      for (const [index, [key, rawCommand]] of commands.entries()) {
        let failure: RestError | undefined;
        if (index >= MAX_BATCH_LENGTH) failure = restErrors.batchLength();
        else {
          const { method, query } = splitCommand(substituteReferences(String(rawCommand), results));
          if (method.toLowerCase() === 'batch') failure = restErrors.batchMethodNotAllowed();
          else {
            const outcome = await ctx.execute(method, parseForm(query));
            times.push([key, outcome.time]);
            if (outcome.ok) {
              results.set(key, outcome.value.result);
              if (outcome.value.total !== undefined) totals.push([key, outcome.value.total]);
              if (outcome.value.next !== undefined) nexts.push([key, outcome.value.next]);
            } else failure = outcome.error;
          }
        }
        if (failure) {
          errors.push([key, failure.toBody()]);
          if (halt) break;
        }
      }
      return {
        result: {
          result: phpArray([...results.entries()]),
          result_error: phpArray(errors),
          result_total: phpArray(totals),
          result_next: phpArray(nexts),
          result_time: phpArray(times),
        },
      };
    },
  },
};
