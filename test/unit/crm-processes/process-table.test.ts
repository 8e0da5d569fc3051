import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { DeliveryOutcome } from '../../../activities/crm/offline-drain.js';
import { CRM_PROCESS_ENTRIES, crmProcessEvents, isDynamicItemEvent, SMART_PROCESS_SETTING, type CrmProcessEntity } from '../../../contracts/crm-processes.js';
import type { EntityWorkflowInput } from '../../../contracts/entity.js';
import { createEventRouteSource, findEventRoute, type CrmEvent } from '../../../lib/crm-events/event-routes.js';
import { buildDeclaration } from '../../../provisioning/index.js';
import { PROCESS_REGISTRY } from '../../../workflows/entity/process-registry.js';
import { createMemoryPortalStore } from '../../support/memory-portal-store.js';
import { recordingBitrix24 } from '../../support/recording-bitrix24.js';
import { testActivities } from '../../support/test-activities.js';

const MEMBER_ID = 'table-portal';
/** Our smart processes as provisioning recorded them on this portal. */
const RECORDED = { claimEntityTypeId: 1038, invoiceTotalEntityTypeId: 1040 } as const;

function entityTypeIdOf(entity: CrmProcessEntity): number {
  return 'entityTypeId' in entity ? entity.entityTypeId : RECORDED[SMART_PROCESS_SETTING[entity.smartProcess]];
}

/** Every (event, entity type) the table says a process hears, with the process: what all four derivations must agree on. */
const expected = CRM_PROCESS_ENTRIES.flatMap(({ process, entity }) =>
  crmProcessEvents(entity).map((event) => ({ event, entityTypeId: entityTypeIdOf(entity), process })),
);

function delivery(event: string, entityTypeId: number, id: number): CrmEvent {
  const fields = isDynamicItemEvent(event) ? { ID: String(id), ENTITY_TYPE_ID: String(entityTypeId) } : { ID: String(id) };
  return { memberId: MEMBER_ID, domain: 'example.bitrix24.com', event, data: { FIELDS: fields }, ts: 1_772_434_800 };
}

async function provisionedPortals() {
  const portals = createMemoryPortalStore();
  await portals.saveSettings(MEMBER_ID, RECORDED);
  return portals;
}

describe('the CRM process table and what is derived from it', () => {
  it('names each process once and binds each to an event of every change kind', () => {
    const names = CRM_PROCESS_ENTRIES.map((entry) => entry.process);
    expect(new Set(names).size).toBe(names.length);
    for (const { entity } of CRM_PROCESS_ENTRIES) expect(crmProcessEvents(entity).map((event) => event.replace(/^ONCRM[A-Z]+?(ADD|UPDATE|DELETE)$/, '$1'))).toEqual(['ADD', 'UPDATE', 'DELETE']);
  });

  it('routes every event of every process at the ingress to that process, with the ids provisioning recorded', async () => {
    const routes = await createEventRouteSource({ config: {}, portals: await provisionedPortals() })(MEMBER_ID);
    const routed = expected.map(({ event, entityTypeId }) => {
      const match = findEventRoute(routes, delivery(event, entityTypeId, 7));
      return { event, entityTypeId, process: match?.route.process };
    });
    expect(routed).toEqual(expected);
    expect(routes).toHaveLength(expected.length);
  });

  it('routes the same records from the offline queue, in the drain as the worker builds it', async () => {
    const signalled: { event: string; input: EntityWorkflowInput }[] = [];
    const client = {
      workflow: {
        async signalWithStart(_type: string, options: { args: [EntityWorkflowInput]; signalArgs: [{ event: string }] }) {
          signalled.push({ event: options.signalArgs[0].event, input: options.args[0] });
          return {};
        },
      },
    } as unknown as Client;
    const { deliverOfflineRecords } = testActivities({ bitrix24: recordingBitrix24(), temporal: client, portals: await provisionedPortals() });
    const records = expected.map(({ event, entityTypeId }, index) => ({
      messageId: `m${index}`,
      event,
      data: delivery(event, entityTypeId, index + 1).data,
      ts: 1_772_434_800,
    }));
    const outcome = (await new MockActivityEnvironment({ taskQueue: 'q' }).run(deliverOfflineRecords, { memberId: MEMBER_ID, records })) as DeliveryOutcome;
    expect(outcome.routed).toHaveLength(expected.length);
    expect(signalled.map(({ event, input }) => ({ event, entityTypeId: input.entityTypeId, process: input.process }))).toEqual(expected);
  });

  it('binds every event of every process in provisioning, naming the type where the event is a dynamic-item one', () => {
    const { events } = buildDeclaration({ publicUrl: 'https://app.example.com' });
    const bound = events.map(({ event, entityType }) => ({ event, entityType }));
    const declared = CRM_PROCESS_ENTRIES.flatMap(({ entity }) =>
      crmProcessEvents(entity).map((event) => ({ event, entityType: isDynamicItemEvent(event) ? entity : undefined })),
    );
    expect(bound).toEqual(declared);
    expect(new Set(events.map((binding) => binding.event))).toEqual(new Set(expected.map((entry) => entry.event)));
  });

  it('has a pass for every process and none for a process the table does not name', () => {
    expect(Object.keys(PROCESS_REGISTRY).sort()).toEqual(CRM_PROCESS_ENTRIES.map((entry) => entry.process).sort());
  });
});
