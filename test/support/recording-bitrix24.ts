import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';

export interface RecordedB24Call {
  memberId: string;
  method: string;
  params: Record<string, unknown>;
}

/**
 * In-process Bitrix24 for workflow unit tests: records calls and answers from a handler.
 * End-to-end tests use the real emulator (emulators/bitrix24) instead.
 */
export function recordingBitrix24(
  answer: (method: string, params: Record<string, unknown>) => unknown = () => true,
): Bitrix24Caller & { calls: RecordedB24Call[]; callsTo(method: string): RecordedB24Call[] } {
  const calls: RecordedB24Call[] = [];
  return {
    calls,
    callsTo: (method) => calls.filter((call) => call.method === method),
    async call<T>(memberId: string, method: string, params: Record<string, unknown> = {}) {
      calls.push({ memberId, method, params });
      return answer(method, params) as T;
    },
    async callRaw<T>(memberId: string, method: string, params: Record<string, unknown> = {}) {
      calls.push({ memberId, method, params });
      return { result: answer(method, params) as T };
    },
  };
}
