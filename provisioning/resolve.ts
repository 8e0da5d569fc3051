import { authConnectorParams } from '../contracts/bitrix24-app.js';
import { ENTITY_TYPE } from '../contracts/documents.js';
import { OFFLINE_QUEUE_NOTICE, type AppDeclaration, type EntityTypeRef, type EventDeclaration } from './declaration.js';
import type { CrmTypeRow, EventBinding, PlacementBinding, PortalState, ProvisioningRecord } from './portal-state.js';
import type { SmartProcessDeclaration, SmartProcessKey } from './smart-processes.js';

/** A smart process of ours as the portal has it. */
export interface ResolvedType {
  entityTypeId: number;
  /** The type's `id`, which names its user fields (`CRM_{id}`, `UF_CRM_{id}_…`). */
  typeId: number;
}

/** Per smart process: the portal's type, or null when it does not exist yet (to be created). */
export type TypeResolution = Partial<Record<SmartProcessKey, ResolvedType | null>>;

/**
 * Placeholders for ids of types that do not exist yet. A plan shows them (`CRM_DYNAMIC_{claim}_DETAIL_TAB`) and apply
 * replaces them with the ids crm.type.add returned, so a dry run prints exactly what a real run does.
 */
export function entityTypeToken(key: SmartProcessKey): string {
  return `{${key}}`;
}

export function typeIdToken(key: SmartProcessKey): string {
  return `{${key}.id}`;
}

/** Configured id first, then the id we recorded last time (the type may have been renamed), then the title. */
export function findType(declaration: SmartProcessDeclaration, crmTypes: CrmTypeRow[], record: ProvisioningRecord): CrmTypeRow | undefined {
  const byEntityTypeId = (entityTypeId: number | undefined) =>
    entityTypeId === undefined ? undefined : crmTypes.find((type) => type.entityTypeId === entityTypeId);
  if (declaration.entityTypeId !== undefined) return byEntityTypeId(declaration.entityTypeId);
  return byEntityTypeId(record.entityTypeIds[declaration.key]) ?? crmTypes.find((type) => type.title === declaration.title);
}

export function resolveTypes(declaration: AppDeclaration, crmTypes: CrmTypeRow[], record: ProvisioningRecord): TypeResolution {
  const resolution: TypeResolution = {};
  for (const smartProcess of declaration.smartProcesses) {
    const type = findType(smartProcess, crmTypes, record);
    resolution[smartProcess.key] = type === undefined ? null : { entityTypeId: type.entityTypeId, typeId: type.id };
  }
  return resolution;
}

/** The entityTypeId as text: a number, or a placeholder for a type still to be created. */
function entityTypeText(ref: EntityTypeRef, types: TypeResolution): string {
  if ('entityTypeId' in ref) return String(ref.entityTypeId);
  const resolved = types[ref.smartProcess];
  return resolved ? String(resolved.entityTypeId) : entityTypeToken(ref.smartProcess);
}

export function isPlaceholder(text: string): boolean {
  return /\{[a-zA-Z]+(\.id)?\}/.test(text);
}

/**
 * Suffixed `{event}_{entityTypeId}` when `events` lists it for every type of that event (a type still to be created
 * counts as listed when the portal offers suffixed names for other types); otherwise one base binding for all, and the
 * ingress filters by `ENTITY_TYPE_ID` (docs/bitrix24.md, "CRM events").
 */
function eventNames(declarations: EventDeclaration[], types: TypeResolution, available: string[] | null): string[] {
  const byBase = new Map<string, EventDeclaration[]>();
  for (const declaration of declarations) byBase.set(declaration.event, [...(byBase.get(declaration.event) ?? []), declaration]);
  const names: string[] = [];
  for (const [base, group] of byBase) {
    const refs = group.map((declaration) => declaration.entityType);
    if (refs.some((ref) => ref === undefined) || available === null) {
      names.push(base);
      continue;
    }
    const suffixed = refs.map((ref) => `${base}_${entityTypeText(ref as EntityTypeRef, types)}`);
    const portalOffersSuffixes = available.some((name) => name.startsWith(`${base}_`));
    const allListed = suffixed.every((name) => available.includes(name) || (isPlaceholder(name) && portalOffersSuffixes));
    names.push(...(allListed ? [...new Set(suffixed)] : [base]));
  }
  return names;
}

/**
 * Offline bindings carry AUTH_CONNECTOR where the plan allows it, so our own writes (sent with it) queue nothing;
 * without the feature they are bound without a connector and the queue records our writes too.
 */
export function desiredEventBindings(
  declaration: AppDeclaration,
  types: TypeResolution,
  state: Pick<PortalState, 'availableEvents' | 'authConnector'>,
): EventBinding[] {
  const names = eventNames(declaration.events, types, state.availableEvents);
  const online = names.map((event) => ({ event, handler: declaration.handlers.events, offline: false, authType: 0 }));
  const lifecycle = declaration.appEvents.map((event) => ({ event, handler: declaration.handlers.install, offline: false, authType: 0 }));
  // The notice wakes the drain of offline bindings: without those it has nothing to announce.
  if (!declaration.offlineEvents || names.length === 0) return [...online, ...lifecycle];
  const connector = authConnectorParams(state.authConnector).auth_connector ?? '';
  const offline = names.map((event) => ({ event, handler: '', offline: true, authType: 0, connector }));
  const notice = {
    event: OFFLINE_QUEUE_NOTICE.event,
    handler: declaration.handlers.events,
    offline: false,
    authType: 0,
    options: { minTimeout: OFFLINE_QUEUE_NOTICE.minTimeoutSeconds },
  };
  return [...online, ...offline, notice, ...lifecycle];
}

/** `CRM_DEAL_DETAIL_TAB`, `CRM_SMART_INVOICE_DETAIL_TAB`, `CRM_DYNAMIC_{entityTypeId}_DETAIL_TAB` (b24restdocs api-reference/widgets/crm/detail-tab.md). */
function placementCode(ref: EntityTypeRef, slot: string, types: TypeResolution): string {
  if ('entityTypeId' in ref) {
    const fixed: Record<number, string> = {
      [ENTITY_TYPE.lead]: 'LEAD',
      [ENTITY_TYPE.deal]: 'DEAL',
      [ENTITY_TYPE.contact]: 'CONTACT',
      [ENTITY_TYPE.company]: 'COMPANY',
      [ENTITY_TYPE.smartInvoice]: 'SMART_INVOICE',
    };
    const name = fixed[ref.entityTypeId];
    if (name !== undefined) return `CRM_${name}_${slot}`;
  }
  return `CRM_DYNAMIC_${entityTypeText(ref, types)}_${slot}`;
}

export function desiredPlacements(declaration: AppDeclaration, types: TypeResolution): PlacementBinding[] {
  return declaration.placements.map((placement) => ({
    placement: placementCode(placement.target, placement.slot, types),
    handler: declaration.handlers.placements,
    title: placement.title,
    description: placement.description,
  }));
}

/** Replaces placeholders with the ids of types created during this apply. */
export function substitutePlaceholders<T>(value: T, types: TypeResolution): T {
  const replace = (text: string): string =>
    text.replace(/\{([a-zA-Z]+)(\.id)?\}/g, (whole, key: string, idSuffix: string | undefined) => {
      const resolved = types[key as SmartProcessKey];
      if (!resolved) return whole;
      return String(idSuffix ? resolved.typeId : resolved.entityTypeId);
    });
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return replace(node);
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node === 'object' && node !== null) return Object.fromEntries(Object.entries(node).map(([key, inner]) => [key, walk(inner)]));
    return node;
  };
  return walk(value) as T;
}
