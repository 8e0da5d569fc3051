import {
  CRM_PROCESS_ENTRIES,
  crmProcessEvents,
  SMART_PROCESS_SETTING,
  type EntityProcessName,
  type SmartProcessKey,
} from '../../contracts/crm-processes.js';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { entityChangedSignal, type EntityChange, type EntityChangeKind, type EntityWorkflowInput } from '../../contracts/entity.js';
import type { PortalSettings } from '../../contracts/portal.js';
import type { Config } from '../config.js';
import type { PortalStore } from '../portals/store.js';

/**
 * Which event deliveries start or feed which entity workflow: one entity workflow per (portal, entityTypeId, id), fed
 * by signalWithStart (docs/architecture.md). The routes are the CRM process table (contracts/crm-processes.ts)
 * expanded per portal, since our smart processes' ids differ per portal (`createEventRouteSource`). The ingress and
 * the offline drain route with the same table.
 */

/** An event delivery without its `auth` block: this is all a route may pass on to a workflow. */
export interface CrmEvent {
  memberId: string;
  domain: string;
  /** Upper-case event name as delivered, e.g. `ONCRMDYNAMICITEMADD` or `ONCRMDYNAMICITEMADD_147`. */
  event: string;
  /** Absent in outgoing-webhook and ONOFFLINEEVENT bodies and in offline records. */
  eventHandlerId?: string;
  data: Record<string, unknown>;
  /** Unix seconds when Bitrix24 dispatched the delivery. */
  ts: number;
  /** Online delivery (default) or a record of the offline queue. */
  source?: EntityChange['source'];
}

/** The CRM item a delivery is about. */
export interface EventTarget {
  memberId: string;
  domain: string;
  entityTypeId: number;
  entityId: number;
}

export interface EventRoute {
  /** Base event name without the `_{entityTypeId}` suffix, e.g. `ONCRMDYNAMICITEMADD`. */
  event: string;
  /** Matches only deliveries about this entity type; omitted means any. */
  entityTypeId?: number;
  /** Short process name for search attributes, as in the robot declarations. */
  process: string;
  /** Entity workflow type started when none runs for the target yet. */
  workflowType: string;
  signal: string;
  /** Arguments of the entity workflow when signalWithStart has to start it: one plain object. */
  startArgs(target: EventTarget): [unknown];
  signalArgs(event: CrmEvent, target: EventTarget): [unknown];
}

/** Routes that need no per-portal settings; the full table comes from `createEventRouteSource`. */
export const EVENT_ROUTES: readonly EventRoute[] = [];

const ENTITY_TYPE_BY_EVENT_PREFIX: Record<string, number> = {
  ONCRMLEAD: ENTITY_TYPE.lead,
  ONCRMDEAL: ENTITY_TYPE.deal,
  ONCRMCONTACT: ENTITY_TYPE.contact,
  ONCRMCOMPANY: ENTITY_TYPE.company,
};

function positiveInt(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  return typeof text === 'string' && /^[1-9]\d{0,15}$/.test(text) ? Number(text) : undefined;
}

function fieldsOf(event: CrmEvent): Record<string, unknown> {
  const fields = event.data.FIELDS;
  return typeof fields === 'object' && fields !== null && !Array.isArray(fields) ? (fields as Record<string, unknown>) : {};
}

/**
 * Splits `ONCRMDYNAMICITEMADD_147` into its base name and entity type; the suffix, `data[FIELDS][ENTITY_TYPE_ID]`
 * and the event name itself (deal, lead, …) are the three places Bitrix24 puts the type (docs/bitrix24.md).
 */
export function eventTarget(event: CrmEvent): { baseEvent: string; target: EventTarget | null } {
  const suffixed = /^(.+?)_(\d+)$/.exec(event.event);
  const baseEvent = suffixed?.[1] ?? event.event;
  const fields = fieldsOf(event);
  const prefix = Object.keys(ENTITY_TYPE_BY_EVENT_PREFIX).find((name) => baseEvent.startsWith(name));
  const entityTypeId =
    positiveInt(suffixed?.[2]) ??
    positiveInt(fields.ENTITY_TYPE_ID) ??
    (prefix === undefined ? undefined : ENTITY_TYPE_BY_EVENT_PREFIX[prefix]);
  const entityId = positiveInt(fields.ID);
  if (entityTypeId === undefined || entityId === undefined) return { baseEvent, target: null };
  return { baseEvent, target: { memberId: event.memberId, domain: event.domain, entityTypeId, entityId } };
}

export function findEventRoute(
  routes: readonly EventRoute[],
  event: CrmEvent,
): { route: EventRoute; target: EventTarget } | null {
  const { baseEvent, target } = eventTarget(event);
  if (!target) return null;
  const route = routes.find(
    (candidate) =>
      candidate.event === baseEvent && (candidate.entityTypeId === undefined || candidate.entityTypeId === target.entityTypeId),
  );
  return route ? { route, target } : null;
}

/** Document label for search attributes, in the business-process form (`DEAL_123`, `DYNAMIC_147_5`, `SMART_INVOICE_3`). */
export function entityDocumentKey(target: Pick<EventTarget, 'entityTypeId' | 'entityId'>): string {
  const names: Record<number, string> = { 1: 'LEAD', 2: 'DEAL', 3: 'CONTACT', 4: 'COMPANY', 31: 'SMART_INVOICE' };
  const name = names[target.entityTypeId] ?? `DYNAMIC_${target.entityTypeId}`;
  return `${name}_${target.entityId}`;
}

export const ENTITY_WORKFLOW_TYPE = 'entityWorkflow';

const CHANGE_KIND_BY_SUFFIX: Record<string, EntityChangeKind> = { ADD: 'add', UPDATE: 'update', DELETE: 'delete' };

type SmartProcessSetting = (typeof SMART_PROCESS_SETTING)[SmartProcessKey];

/** Smart-process ids a portal's routes depend on: configuration overrides, else what provisioning recorded. */
export type PortalEntityTypes = Partial<Pick<PortalSettings, SmartProcessSetting>>;

/** `ONCRMDYNAMICITEMUPDATE` → update; undefined for events that are not CRM changes. */
export function changeKindOf(baseEvent: string): EntityChangeKind | undefined {
  const suffix = /(ADD|UPDATE|DELETE)$/.exec(baseEvent)?.[1];
  return suffix === undefined ? undefined : CHANGE_KIND_BY_SUFFIX[suffix];
}

/** The signal payload: only what the entity workflow needs, never the delivery's `auth`. */
export function toEntityChange(event: CrmEvent): EntityChange {
  const { baseEvent } = eventTarget(event);
  return { kind: changeKindOf(baseEvent) ?? 'update', event: event.event, ts: event.ts, source: event.source ?? 'online' };
}

function entityRoute(event: string, entityTypeId: number, process: EntityProcessName): EventRoute {
  return {
    event,
    entityTypeId,
    process,
    workflowType: ENTITY_WORKFLOW_TYPE,
    signal: entityChangedSignal.name,
    startArgs: (target): [EntityWorkflowInput] => [
      { memberId: target.memberId, entityTypeId: target.entityTypeId, entityId: target.entityId, process },
    ],
    signalArgs: (delivery): [EntityChange] => [toEntityChange(delivery)],
  };
}

/** The process table expanded for one portal; processes whose smart process the portal does not have are left out. */
export function crmEventRoutes(types: PortalEntityTypes): EventRoute[] {
  return CRM_PROCESS_ENTRIES.flatMap(({ process, entity }) => {
    const entityTypeId = 'entityTypeId' in entity ? entity.entityTypeId : types[SMART_PROCESS_SETTING[entity.smartProcess]];
    if (entityTypeId === undefined) return [];
    return crmProcessEvents(entity).map((event) => entityRoute(event, entityTypeId, process));
  });
}

/** The routes of one portal. */
export type EventRouteSource = (memberId: string) => Promise<readonly EventRoute[]>;

/** The configuration variables that override what provisioning recorded for each smart process. */
const CONFIGURED_ENTITY_TYPE = {
  claimEntityTypeId: 'CLAIM_ENTITY_TYPE_ID',
  invoiceTotalEntityTypeId: 'INVOICE_TOTAL_ENTITY_TYPE_ID',
} as const satisfies Record<SmartProcessSetting, keyof Config>;

export type EntityTypeOverrides = Partial<Pick<Config, (typeof CONFIGURED_ENTITY_TYPE)[SmartProcessSetting]>>;

/** The smart processes the table's processes follow: the only per-portal ids routing needs. */
const ROUTED_SMART_PROCESSES = [
  ...new Set(CRM_PROCESS_ENTRIES.flatMap(({ entity }) => ('smartProcess' in entity ? [SMART_PROCESS_SETTING[entity.smartProcess]] : []))),
];

/**
 * Entity types from configuration first (CLAIM_ENTITY_TYPE_ID, ...), else from the portal's provisioning record, which
 * is read only when configuration leaves one open.
 */
export function createEventRouteSource(deps: { config: EntityTypeOverrides; portals: Pick<PortalStore, 'settings'> }): EventRouteSource {
  return async (memberId) => {
    const configured = ROUTED_SMART_PROCESSES.map((key) => [key, deps.config[CONFIGURED_ENTITY_TYPE[key]]] as const);
    const recorded = configured.some(([, id]) => id === undefined) ? await deps.portals.settings(memberId) : {};
    const types: PortalEntityTypes = {};
    for (const [key, id] of configured) {
      const entityTypeId = id ?? recorded[key];
      if (entityTypeId !== undefined) types[key] = entityTypeId;
    }
    return crmEventRoutes(types);
  };
}
