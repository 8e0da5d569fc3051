import { ApplicationFailure } from '@temporalio/common';

/** The slice of the Bitrix24 client that activities depend on; tests may pass an in-process fake. */
export interface Bitrix24Caller {
  call<T = unknown>(
    memberId: string,
    method: string,
    params?: Record<string, unknown>,
    options?: { signal?: AbortSignal },
  ): Promise<T>;
}

/** True when `error` is the Bitrix24 error `code`, whether raised as a client error or as its ApplicationFailure. */
export function isBitrix24ErrorCode(error: unknown, code: string): boolean {
  if (error instanceof ApplicationFailure) return error.type === `Bitrix24.${code}`;
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
