import { ApplicationFailure } from '@temporalio/common';
import type { Bitrix24Client } from './client.js';
import { toApplicationFailure } from './errors.js';
import type { PortalRateLimiter } from './rate-limiter.js';

/**
 * The slice of the Bitrix24 client that activities, `batch` and `listAll` depend on. The worker passes the real client
 * wrapped by `withApplicationFailures`; workflow unit tests may pass an in-process fake.
 */
export type Bitrix24Caller = Pick<Bitrix24Client, 'call' | 'callRaw' | 'callCommands'> & {
  /** Lets `batch` feed each sub-command's operating time into the per-method budget. */
  readonly limiter?: Pick<PortalRateLimiter, 'recordTime'>;
};

/**
 * Activities must fail with ApplicationFailure so Temporal honours the error catalogue (retry or not, delay);
 * the client itself throws Bitrix24Error, which this wrapper converts at the activity boundary.
 */
export function withApplicationFailures(client: Bitrix24Client): Bitrix24Caller {
  const asFailure = (error: unknown) => Promise.reject(toApplicationFailure(error));
  const callCommands = client.callCommands?.bind(client);
  return {
    limiter: client.limiter,
    call: (memberId, method, params, options) => client.call(memberId, method, params, options).catch(asFailure),
    callRaw: (memberId, method, params, options) => client.callRaw(memberId, method, params, options).catch(asFailure),
    ...(callCommands === undefined
      ? {}
      : { callCommands: (memberId, commands, options) => callCommands(memberId, commands, options).catch(asFailure) }),
  } as Bitrix24Caller;
}

/** True when `error` is the Bitrix24 error `code`, whether raised as a client error or as its ApplicationFailure. */
export function isBitrix24ErrorCode(error: unknown, code: string): boolean {
  if (error instanceof ApplicationFailure) return error.type === `Bitrix24.${code}`;
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
