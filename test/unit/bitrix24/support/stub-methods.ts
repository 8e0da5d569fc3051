import qs from 'qs';
import { bitrixTime, type StubReply } from './stub-portal.js';

export type SubCall = (
  method: string,
  params: Record<string, unknown>,
) => { result: unknown; total?: number; next?: number } | { error: string; error_description: string };

/** Runs a `batch` body like Bitrix24: at most 50 commands, PHP `[]` for empty groups, `halt` stops at an error. */
export function answerBatch(body: Record<string, unknown>, execute: SubCall): StubReply {
  const cmd = (body.cmd ?? {}) as Record<string, string>;
  const halt = body.halt === 1 || body.halt === '1' || body.halt === true;
  const keys = Object.keys(cmd);
  if (keys.length > 50) {
    const body = { error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' };
    return { status: 400, body };
  }
  const result: Record<string, unknown> = {};
  const errors: Record<string, unknown> = {};
  const totals: Record<string, number> = {};
  const nexts: Record<string, number> = {};
  const times: Record<string, unknown> = {};
  for (const key of keys) {
    const command = cmd[key] ?? '';
    const [method = '', query = ''] = command.split('?', 2) as [string, string?];
    const outcome = execute(method, qs.parse(query) as Record<string, unknown>);
    times[key] = bitrixTime();
    if ('error' in outcome) {
      errors[key] = outcome;
      if (halt) break;
      continue;
    }
    result[key] = outcome.result;
    if (outcome.total !== undefined) totals[key] = outcome.total;
    if (outcome.next !== undefined) nexts[key] = outcome.next;
  }
  const phpGroup = (group: Record<string, unknown>) => (Object.keys(group).length === 0 ? [] : group);
  return {
    status: 200,
    body: {
      result: {
        result: phpGroup(result),
        result_error: phpGroup(errors),
        result_total: phpGroup(totals),
        result_next: phpGroup(nexts),
        result_time: phpGroup(times),
      },
      time: bitrixTime(),
    },
  };
}
