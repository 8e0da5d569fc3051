import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ExternalWriteInput, ExternalWriteResult } from '../contracts/external-write.js';
import { BITRIX24_FAILURES } from '../contracts/failures/bitrix24.js';

const retry = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '5 minutes',
};

const { type: B24 } = BITRIX24_FAILURES;
const AMBIGUOUS_CREATE_FAILURES = [B24.TIMEOUT, B24.SERVER_ERROR, B24.INTERNAL_SERVER_ERROR, B24.UNEXPECTED_RESPONSE, B24.ERROR_UNEXPECTED_ANSWER];

const { writeCrmItemIfChanged } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '24 hours',
  retry,
});

/**
 * A write requested by an external system (POST /api/v1/items): through the rate-limited client, retried on limits
 * and outages. An update compares before it writes, so a repeated request changes nothing twice.
 */
export async function externalWriteWorkflow(input: ExternalWriteInput): Promise<ExternalWriteResult> {
  if (input.id === undefined) {
    // crm.item.add has no idempotency key: an answer that leaves open whether the item was created is not retried,
    // so the run fails visibly instead of creating the item twice. Limits and token expiry prove nothing was done.
    const { createCrmItem } = proxyActivities<Activities>({
      startToCloseTimeout: '1 minute',
      scheduleToCloseTimeout: '24 hours',
      retry: { ...retry, nonRetryableErrorTypes: AMBIGUOUS_CREATE_FAILURES },
    });
    const { id } = await createCrmItem({ memberId: input.memberId, entityTypeId: input.entityTypeId, fields: input.fields });
    return { entityTypeId: input.entityTypeId, id, created: true, written: true, changedFields: Object.keys(input.fields) };
  }
  const written = await writeCrmItemIfChanged({ memberId: input.memberId, entityTypeId: input.entityTypeId, id: input.id, fields: input.fields });
  return { entityTypeId: input.entityTypeId, id: input.id, created: false, ...written };
}
