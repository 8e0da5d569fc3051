import type { Kind } from '../contracts/robot-declarations.js';
import type { BizprocFields } from './bizproc-fields.js';
import type { EventBinding, PlacementBinding } from './portal-state.js';
import type { ShipmentPropertyKey } from '../contracts/shipment-list.js';
import type { SmartProcessKey } from './smart-processes.js';

export type Resource =
  | { kind: 'smartProcess'; key: SmartProcessKey; title: string; fields: Record<string, unknown> }
  /** A user field of one of our smart processes (`typeKey`) or of a built-in type such as deals (no `typeKey`). */
  | { kind: 'userField'; typeKey?: SmartProcessKey; field: { entityId: string; fieldName: string } & Record<string, unknown> }
  /** A universal list: the parameters of `lists.add`. */
  | { kind: 'list'; params: ListAddParams }
  /** A custom field of the shipment list: the parameters of `lists.field.add` (the list by IBLOCK_ID or IBLOCK_CODE). */
  | { kind: 'listField'; key: ShipmentPropertyKey; params: ListFieldAddParams }
  /** `fields` is absent only for a registration we remove: Bitrix24 does not tell us what it holds. */
  | { kind: Kind; code: string; fields?: BizprocFields }
  | { kind: 'event'; binding: EventBinding }
  | { kind: 'placement'; binding: PlacementBinding };

export interface ListAddParams {
  IBLOCK_TYPE_ID: string;
  IBLOCK_CODE: string;
  FIELDS: { NAME: string; DESCRIPTION: string; BIZPROC: 'Y' | 'N' };
}

export interface ListFieldAddParams {
  IBLOCK_TYPE_ID: string;
  IBLOCK_ID?: number;
  IBLOCK_CODE?: string;
  FIELDS: { NAME: string; TYPE: string; CODE: string; IS_REQUIRED: 'Y' | 'N'; MULTIPLE: 'Y' | 'N'; SORT: number };
}

export type ResourceKind = Resource['kind'];

export const UPDATE_REASON = {
  /** Our declaration differs from what we recorded writing last time. */
  declarationChanged: 'declaration changed since the last apply',
  /** The registration exists, but we have no record of writing it: its definition is unknown, so it is rewritten. */
  unrecorded: 'definition not recorded by an earlier apply',
  /** `reassert`: rewritten because Bitrix24 cannot show what it holds (it may have been changed by hand). */
  reassert: 'reasserted (Bitrix24 does not return robot definitions)',
  /** The portal shows a value different from the declaration. */
  drift: 'differs in the portal',
} as const;
export type UpdateReason = (typeof UPDATE_REASON)[keyof typeof UPDATE_REASON];

export interface PlannedAdd {
  resource: Resource;
}

export interface PlannedUpdate {
  resource: Resource;
  /** What exists now, when it must be unbound before the new binding (events, placements). */
  previous?: Resource;
  /** Field names that differ; `*` when the current definition is unknown. */
  differences: string[];
  reason: UpdateReason;
}

export interface PlannedRemove {
  resource: Resource;
}

export interface ProvisioningPlan {
  add: PlannedAdd[];
  update: PlannedUpdate[];
  remove: PlannedRemove[];
  /** Things left alone on purpose (types, fields and lists are never changed or deleted; registrations we do not own). */
  notes: string[];
}

export function isEmptyPlan(plan: ProvisioningPlan): boolean {
  return plan.add.length === 0 && plan.update.length === 0 && plan.remove.length === 0;
}

export function describeResource(resource: Resource): string {
  switch (resource.kind) {
    case 'smartProcess':
      return `smart process "${resource.title}"`;
    case 'userField':
      return `field ${resource.field.fieldName} (${resource.field.entityId}, ${String(resource.field.userTypeId ?? '')})`;
    case 'robot':
    case 'activity':
      return `${resource.kind} ${resource.code}`;
    case 'event':
      return resource.binding.offline
        ? `event ${resource.binding.event} (offline)`
        : `event ${resource.binding.event} → ${resource.binding.handler}`;
    case 'placement':
      return `placement ${resource.binding.placement} → ${resource.binding.handler}`;
    case 'list':
      return `list "${resource.params.FIELDS.NAME}" (${resource.params.IBLOCK_TYPE_ID}, code ${resource.params.IBLOCK_CODE})`;
    case 'listField': {
      const list = resource.params.IBLOCK_ID === undefined ? `code ${String(resource.params.IBLOCK_CODE)}` : `IBLOCK_ID ${resource.params.IBLOCK_ID}`;
      return `list field ${resource.params.FIELDS.CODE} (${resource.params.FIELDS.TYPE}) in list ${list}`;
    }
  }
}
