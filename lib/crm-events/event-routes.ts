import { ENTITY_TYPE } from '../../contracts/documents.js';
import {
  ENTITY_PROCESS,
  entityChangedSignal,
  type EntityChange,
  type EntityChangeKind,
  type EntityProcessName,
  type EntityWorkflowInput,
} from '../../contracts/entity.js';
import type { Config } from '../config.js';
import type { PortalStore } from '../portals/store.js';

/**
 * Which event deliveries start or feed which entity workflow (DESIGN.md decision 2: one entity workflow per
 * (portal, entityTypeId, id), fed by signalWithStart). The smart-process ids differ per portal, so the table is
 * resolved per portal (`createEventRouteSource`).
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
 * and the event name itself (deal, lead, …) are the three places Bitrix24 puts the type (bitrix24-protocol.md 4.2).
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
const DEAL_EVENTS = ['ONCRMDEALADD', 'ONCRMDEALUPDATE', 'ONCRMDEALDELETE'] as const;
const DYNAMIC_ITEM_EVENTS = ['ONCRMDYNAMICITEMADD', 'ONCRMDYNAMICITEMUPDATE', 'ONCRMDYNAMICITEMDELETE'] as const;

/** Smart-process ids a portal's routes depend on: configuration overrides, else what provisioning recorded. */
export interface PortalEntityTypes {
  claimEntityTypeId?: number;
}

/**
 * The route table (issue 5): which base events of which entity type feed which process. Every kind is routed:
 * a delete must end pending work, and a pass decides from `added`/`deleted` what to do.
 */
export interface CrmEventRule {
  events: readonly string[];
  entityType: number | keyof PortalEntityTypes;
  process: EntityProcessName;
}

export const CRM_EVENT_RULES: readonly CrmEventRule[] = [
  { events: DEAL_EVENTS, entityType: ENTITY_TYPE.deal, process: ENTITY_PROCESS.dealProducts },
  { events: DYNAMIC_ITEM_EVENTS, entityType: ENTITY_TYPE.smartInvoice, process: ENTITY_PROCESS.invoiceTotal },
  { events: DYNAMIC_ITEM_EVENTS, entityType: 'claimEntityTypeId', process: ENTITY_PROCESS.claimIntake },
];

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

/** The table expanded for one portal; rules whose entity type the portal does not have are left out. */
export function crmEventRoutes(types: PortalEntityTypes): EventRoute[] {
  return CRM_EVENT_RULES.flatMap((rule) => {
    const entityTypeId = typeof rule.entityType === 'number' ? rule.entityType : types[rule.entityType];
    if (entityTypeId === undefined) return [];
    return rule.events.map((event) => entityRoute(event, entityTypeId, rule.process));
  });
}

/** The routes of one portal. */
export type EventRouteSource = (memberId: string) => Promise<readonly EventRoute[]>;

/** Entity types from configuration first (CLAIM_ENTITY_TYPE_ID), else from the portal's provisioning record. */
export function createEventRouteSource(deps: { config: Pick<Config, 'CLAIM_ENTITY_TYPE_ID'>; portals: Pick<PortalStore, 'settings'> }): EventRouteSource {
  return async (memberId) => {
    const configured = deps.config.CLAIM_ENTITY_TYPE_ID;
    const claimEntityTypeId = configured ?? (await deps.portals.settings(memberId)).claimEntityTypeId;
    return crmEventRoutes(claimEntityTypeId === undefined ? {} : { claimEntityTypeId });
  };
}
