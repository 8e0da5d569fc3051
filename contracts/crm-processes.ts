import { ENTITY_TYPE } from './documents.js';
import { defineFailures } from './failures/define.js';
import type { PortalSettings } from './portal.js';

/**
 * The CRM processes: one entry each (docs/adding-a-crm-process.md). The ingress routing and the offline drain's
 * routing (lib/crm-events/event-routes.ts), the event bindings provisioning makes (provisioning/declaration.ts) and
 * the pass each process runs in its entity workflow (workflows/entity/process-registry.ts) are all derived from it.
 */

/** Our smart processes: their entityTypeId differs per portal (provisioning finds or creates them and records it). */
export const SMART_PROCESS = { claim: 'claim', invoiceTotal: 'invoiceTotal' } as const;
export type SmartProcessKey = (typeof SMART_PROCESS)[keyof typeof SMART_PROCESS];

/** Where provisioning records each smart process's entityTypeId in the portal's settings. */
export const SMART_PROCESS_SETTING = {
  claim: 'claimEntityTypeId',
  invoiceTotal: 'invoiceTotalEntityTypeId',
} as const satisfies Record<SmartProcessKey, keyof PortalSettings>;

/** The CRM entity type a process follows: fixed by Bitrix24 (deal 2, smart invoice 31), or one of our smart processes. */
export type CrmProcessEntity = { readonly entityTypeId: number } | { readonly smartProcess: SmartProcessKey };

export interface CrmProcessEntry {
  /** B24Process of its entity workflows, and the pass they run. */
  readonly process: string;
  readonly entity: CrmProcessEntity;
}

export const CRM_PROCESSES = {
  /** A new claim gets its number, a quality task, its deal link and a notification. */
  claimIntake: { process: 'claim-intake', entity: { smartProcess: SMART_PROCESS.claim } },
  /** A smart invoice's product rows are totalled into its helper item. */
  invoiceTotal: { process: 'invoice-total', entity: { entityTypeId: ENTITY_TYPE.smartInvoice } },
  /** A deal's product rows are synced into the shipment list. */
  dealProducts: { process: 'deal-products', entity: { entityTypeId: ENTITY_TYPE.deal } },
} as const satisfies Record<string, CrmProcessEntry>;

type Processes = typeof CRM_PROCESSES;
export type EntityProcessName = Processes[keyof Processes]['process'];

/** Process names by key, e.g. `ENTITY_PROCESS.claimIntake` = `claim-intake`. */
export const ENTITY_PROCESS = Object.fromEntries(Object.entries(CRM_PROCESSES).map(([key, entry]) => [key, entry.process])) as {
  readonly [K in keyof Processes]: Processes[K]['process'];
};

export const CRM_PROCESS_ENTRIES: readonly (CrmProcessEntry & { process: EntityProcessName })[] = Object.values(CRM_PROCESSES);

/** The change kinds every process hears: a delete must end pending work, and a pass decides from added/deleted. */
const CHANGE_SUFFIXES = ['ADD', 'UPDATE', 'DELETE'] as const;

/**
 * Leads, deals, contacts and companies have events of their own; smart processes and smart invoices change through
 * the dynamic-item events, which carry ENTITY_TYPE_ID (b24restdocs api-reference/crm/universal/events/index.md).
 */
const OWN_EVENT_PREFIX: Readonly<Record<number, string>> = {
  [ENTITY_TYPE.lead]: 'ONCRMLEAD',
  [ENTITY_TYPE.deal]: 'ONCRMDEAL',
  [ENTITY_TYPE.contact]: 'ONCRMCONTACT',
  [ENTITY_TYPE.company]: 'ONCRMCOMPANY',
};
export const DYNAMIC_ITEM_EVENT_PREFIX = 'ONCRMDYNAMICITEM';

/** The base event names a process is bound to and routed from, e.g. ONCRMDEALADD, or ONCRMDYNAMICITEMADD for a type. */
export function crmProcessEvents(entity: CrmProcessEntity): string[] {
  const prefix = ('entityTypeId' in entity ? OWN_EVENT_PREFIX[entity.entityTypeId] : undefined) ?? DYNAMIC_ITEM_EVENT_PREFIX;
  return CHANGE_SUFFIXES.map((suffix) => `${prefix}${suffix}`);
}

/** Dynamic-item events name their type in ENTITY_TYPE_ID (or a `_{entityTypeId}` suffix); the others by their name. */
export function isDynamicItemEvent(event: string): boolean {
  return event.startsWith(DYNAMIC_ITEM_EVENT_PREFIX);
}

/** An entity workflow asked for a process no table entry names (a run started by an older or newer version). */
export const ENTITY_FAILURES = defineFailures('Entity', {
  UnknownProcess: { retryable: false },
});
