import { Context } from '@temporalio/activity';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import type { PortalStore } from '../../lib/portals/store.js';
import { createAuthConnectorSource, writeWithConnector, type AuthConnectorSource } from './auth-connector.js';
import { writeItemIfChanged, type CrmItemWrite, type CrmItemWriteResult } from './write-if-changed.js';

export interface CreateCrmItemInput {
  memberId: string;
  entityTypeId: number;
  fields: Record<string, unknown>;
}

/** CRM item writes for entity passes and the external-write workflow; every write compares before it writes. */
export function createCrmActivities(deps: { bitrix24: Bitrix24Caller; portals?: PortalStore | undefined; authConnector?: AuthConnectorSource }) {
  const connector = deps.authConnector ?? createAuthConnectorSource(deps);
  return {
    /** Read → compare → write only the differing fields; `written: false` means no update (and no echo) was caused. */
    async writeCrmItemIfChanged(write: CrmItemWrite): Promise<CrmItemWriteResult> {
      return writeItemIfChanged(deps.bitrix24, connector, write, Context.current().cancellationSignal);
    },

    async createCrmItem(input: CreateCrmItemInput): Promise<{ id: number }> {
      const { item } = await writeWithConnector<{ item: { id: number | string } }>(
        deps.bitrix24,
        connector,
        input.memberId,
        'crm.item.add',
        { entityTypeId: input.entityTypeId, fields: input.fields },
        { signal: Context.current().cancellationSignal },
      );
      return { id: Number(item.id) };
    },
  };
}
