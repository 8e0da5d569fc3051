import { defineSignal } from '@temporalio/workflow';
import type { EntityProcessName } from './crm-processes.js';

/** The CRM processes entity workflows run are the entries of contracts/crm-processes.ts. */
export { ENTITY_PROCESS, type EntityProcessName } from './crm-processes.js';

export type EntityChangeKind = 'add' | 'update' | 'delete';

/** One CRM event, reduced to what the entity workflow needs: events carry only ids (docs/bitrix24.md, "CRM events"). */
export interface EntityChange {
  kind: EntityChangeKind;
  /** The event name as delivered, e.g. ONCRMDYNAMICITEMUPDATE_147 or ONCRMDEALADD. */
  event: string;
  /** Unix seconds from the delivery's `ts`. */
  ts: number;
  /** Where it came from: an online delivery, the offline-queue drain, or our own external-write API. */
  source: 'online' | 'offline' | 'api';
}

/** Input of an entity workflow `entity/{memberId}/{entityTypeId}/{id}`. */
export interface EntityWorkflowInput {
  memberId: string;
  entityTypeId: number;
  entityId: number;
  process: EntityProcessName;
  /** Changes not yet processed, carried across continue-as-new. */
  pending?: EntityChange[];
  /** What the process remembers between passes (e.g. the last written values, to skip no-op writes). */
  memory?: Record<string, unknown>;
}

export const entityChangedSignal = defineSignal<[EntityChange]>('entity.changed');

/**
 * What a process's pass receives: the entity, whether it was deleted, and the changes coalesced into this pass.
 * A pass always re-reads current state from Bitrix24 (events carry only ids) and must be idempotent.
 */
export interface EntityPassContext {
  memberId: string;
  entityTypeId: number;
  entityId: number;
  deleted: boolean;
  /** True when the add event is among the coalesced changes. */
  added: boolean;
  changes: EntityChange[];
  /** Process memory kept by the entity workflow between passes; the pass may return a new one. */
  memory: Record<string, unknown>;
}

export interface EntityPassResult {
  memory?: Record<string, unknown>;
  /** Short human-readable line for logs and the run's summary, e.g. "CL-2026-0042 assigned". */
  summary?: string;
}

export type EntityPass = (context: EntityPassContext) => Promise<EntityPassResult>;
