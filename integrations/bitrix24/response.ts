import { Bitrix24Error, Bitrix24LocalError, type Bitrix24TimeInfo } from './errors.js';
import type { HttpReply } from './transport.js';

/** The `time` block of every REST response ([EN] api-reference/data-types.md#time); "the composition may vary". */
export interface Bitrix24Time extends Bitrix24TimeInfo {
  start?: number;
  finish?: number;
  duration?: number;
  processing?: number;
  date_start?: string;
  date_finish?: string;
}

export interface Bitrix24RawResponse<T = unknown> {
  result: T;
  total?: number;
  next?: number;
  time?: Bitrix24Time;
}

export interface Bitrix24ErrorBody {
  error: string;
  error_description: string;
  time?: Bitrix24Time;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asTime(value: unknown): Bitrix24Time | undefined {
  return isRecord(value) ? (value as Bitrix24Time) : undefined;
}

function asCount(value: unknown): number | undefined {
  const count = typeof value === 'string' ? Number(value) : value;
  return typeof count === 'number' && Number.isFinite(count) ? count : undefined;
}

/** Reads a Bitrix24 answer: the error body (any status, code maybe empty), a result, or neither. */
export function readReply<T>(reply: HttpReply):
  | { kind: 'ok'; response: Bitrix24RawResponse<T> }
  | { kind: 'error'; body: Bitrix24ErrorBody }
  | { kind: 'unexpected' } {
  const { json } = reply;
  if (!isRecord(json)) return { kind: 'unexpected' };
  if ('error' in json) {
    const description = json.error_description;
    const body: Bitrix24ErrorBody = {
      error: json.error === null || json.error === undefined ? '' : String(json.error),
      error_description: typeof description === 'string' ? description : '',
    };
    const time = asTime(json.time);
    if (time !== undefined) body.time = time;
    return { kind: 'error', body };
  }
  if (reply.status >= 300 || !('result' in json)) return { kind: 'unexpected' };
  const response: Bitrix24RawResponse<T> = { result: json.result as T };
  const total = asCount(json.total);
  const next = asCount(json.next);
  const time = asTime(json.time);
  if (total !== undefined) response.total = total;
  if (next !== undefined) response.next = next;
  if (time !== undefined) response.time = time;
  return { kind: 'ok', response };
}

export function unexpectedReplyError(reply: HttpReply, method: string): Bitrix24Error {
  if (reply.status >= 400) {
    // No Bitrix24 error body (a proxy page, an HTML 404): classify by status alone.
    const description = 'response is not a Bitrix24 answer';
    return new Bitrix24Error({ code: '', status: reply.status, description, method });
  }
  return new Bitrix24Error({
    code: Bitrix24LocalError.UNEXPECTED_RESPONSE,
    status: reply.status,
    description: 'response has neither result nor error',
    method,
  });
}
