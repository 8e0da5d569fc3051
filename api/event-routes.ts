import { ENTITY_TYPE } from '../contracts/documents.js';

/**
 * Which event deliveries start or feed which entity workflow (DESIGN.md decision 2: one entity workflow per
 * (portal, entityTypeId, id), fed by signalWithStart). Empty until the CRM processes land; each adds its entries here.
 */

/** An event delivery without its `auth` block: this is all a route may pass on to a workflow. */
export interface CrmEvent {
  memberId: string;
  domain: string;
  /** Upper-case event name as delivered, e.g. `ONCRMDYNAMICITEMADD` or `ONCRMDYNAMICITEMADD_147`. */
  event: string;
  eventHandlerId: string;
  data: Record<string, unknown>;
  /** Unix seconds when Bitrix24 dispatched the delivery. */
  ts: number;
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
