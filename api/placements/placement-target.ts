import { ENTITY_TYPE } from '../../contracts/documents.js';
import { entityDocumentKey } from '../../lib/crm-events/event-routes.js';

/** The CRM item a detail-tab widget was opened on. */
export interface PlacementItem {
  entityTypeId: number;
  itemId: number;
}

export const DEAL_DETAIL_TAB = 'CRM_DEAL_DETAIL_TAB';
const DYNAMIC_DETAIL_TAB = /^CRM_DYNAMIC_(\d{1,9})_DETAIL_TAB$/;

/** For smart processes the entity type comes only from the placement code (b24restdocs api-reference/widgets/crm/detail-tab.md). */
export function entityTypeOfPlacement(placement: string): number | null {
  if (placement === DEAL_DETAIL_TAB) return ENTITY_TYPE.deal;
  const dynamic = DYNAMIC_DETAIL_TAB.exec(placement);
  return dynamic ? Number(dynamic[1]) : null;
}

/** `PLACEMENT_OPTIONS` is a JSON string such as `{"ID":"8061"}`; returns the positive item id or null. */
export function itemIdOfPlacementOptions(raw: string): number | null {
  let options: unknown;
  try {
    options = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof options !== 'object' || options === null) return null;
  const id = (options as Record<string, unknown>).ID;
  const text = typeof id === 'number' ? String(id) : id;
  if (typeof text !== 'string' || !/^[1-9]\d{0,14}$/.test(text)) return null;
  return Number(text);
}

/** The item's `B24Document` search-attribute value, as the ingress writes it: `DEAL_7`, `DYNAMIC_147_3`. */
export function itemDocumentKey(item: PlacementItem): string {
  return entityDocumentKey({ entityTypeId: item.entityTypeId, entityId: item.itemId });
}
