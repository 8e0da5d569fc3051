import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';

export interface WriteOrderIdInput {
  memberId: string;
  dealId: number;
  orderField: string;
  orderNumber: string;
}

export interface NotifyInput {
  memberId: string;
  userId: number;
  message: string;
}

/**
 * Writes the order number to the deal unless it already holds it: a retried attempt, a second robot run or a value
 * someone typed in leaves no extra update (and no ONCRMDEALUPDATE echo).
 */
export async function writeOrderIdToDeal(
  bitrix24: Bitrix24Caller,
  input: WriteOrderIdInput,
  signal?: AbortSignal,
): Promise<{ written: boolean }> {
  const { memberId, dealId } = input;
  const deal = await bitrix24.call<Record<string, unknown>>(memberId, 'crm.deal.get', { id: dealId }, { signal });
  const current = deal[input.orderField];
  if ((typeof current === 'string' || typeof current === 'number') && String(current).trim() === input.orderNumber) {
    return { written: false };
  }
  await bitrix24.call(
    input.memberId,
    'crm.deal.update',
    { id: input.dealId, fields: { [input.orderField]: input.orderNumber }, params: { REGISTER_SONET_EVENT: 'N' } },
    { signal },
  );
  return { written: true };
}

export async function notifyUser(bitrix24: Bitrix24Caller, input: NotifyInput, signal?: AbortSignal): Promise<void> {
  const params = { USER_ID: input.userId, MESSAGE: input.message };
  await bitrix24.call(input.memberId, 'im.notify.system.add', params, { signal });
}
