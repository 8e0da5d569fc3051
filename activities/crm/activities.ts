import { Context } from '@temporalio/activity';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import { AUTH_CONNECTOR } from '../../contracts/bitrix24-app.js';
import { writeItemIfChanged, type CrmItemWrite, type CrmItemWriteResult } from './write-if-changed.js';

export interface CreateCrmItemInput {
  memberId: string;
  entityTypeId: number;
  fields: Record<string, unknown>;
}

/** CRM item writes for entity passes and the external-write workflow; every write compares before it writes. */
export function createCrmActivities(deps: { bitrix24: Bitrix24Caller }) {
  return {
    /** Read → compare → write only the differing fields; `written: false` means no update (and no echo) was caused. */
    async writeCrmItemIfChanged(write: CrmItemWrite): Promise<CrmItemWriteResult> {
      return writeItemIfChanged(deps.bitrix24, write, Context.current().cancellationSignal);
    },

    async createCrmItem(input: CreateCrmItemInput): Promise<{ id: number }> {
      const { item } = await deps.bitrix24.call<{ item: { id: number | string } }>(
        input.memberId,
        'crm.item.add',
        { entityTypeId: input.entityTypeId, fields: input.fields, auth_connector: AUTH_CONNECTOR },
        { signal: Context.current().cancellationSignal },
      );
      return { id: Number(item.id) };
    },
  };
}
