import { isoWithOffset } from './clock.js';
import { itemDefaults } from './crm-item-defaults.js';

export type CrmItem = Record<string, unknown> & { id: number; entityTypeId: number };

/** CRM items of every entity type (deals are entityTypeId 2), kept with camelCase field names. */
export class CrmItemStore {
  private readonly byType = new Map<number, Map<number, CrmItem>>();
  private readonly nextIds = new Map<number, number>();

  constructor(private readonly nowMs: () => number) {}

  add(entityTypeId: number, fields: Record<string, unknown>, userId = 1): CrmItem {
    const id = this.nextIds.get(entityTypeId) ?? 1;
    this.nextIds.set(entityTypeId, id + 1);
    const now = isoWithOffset(this.nowMs());
    const item: CrmItem = {
      ...itemDefaults(entityTypeId, userId, now),
      title: '',
      assignedById: userId,
      opportunity: 0,
      currencyId: 'USD',
      ...fields,
      id,
      entityTypeId,
      createdBy: userId,
      updatedBy: userId,
      createdTime: now,
      updatedTime: now,
    };
    this.table(entityTypeId).set(id, item);
    return item;
  }

  get(entityTypeId: number, id: number): CrmItem | undefined {
    return this.byType.get(entityTypeId)?.get(id);
  }

  update(entityTypeId: number, id: number, fields: Record<string, unknown>, userId = 1): CrmItem | undefined {
    const item = this.get(entityTypeId, id);
    if (!item) return undefined;
    const { id: _id, entityTypeId: _type, ...changes } = fields;
    Object.assign(item, changes, { updatedBy: userId, updatedTime: isoWithOffset(this.nowMs()) });
    return item;
  }

  delete(entityTypeId: number, id: number): boolean {
    return this.byType.get(entityTypeId)?.delete(id) ?? false;
  }

  all(entityTypeId: number): CrmItem[] {
    return [...(this.byType.get(entityTypeId)?.values() ?? [])];
  }

  hasType(entityTypeId: number): boolean {
    return this.byType.has(entityTypeId);
  }

  clear(): void {
    this.byType.clear();
    this.nextIds.clear();
  }

  snapshot(): Record<string, CrmItem[]> {
    return Object.fromEntries([...this.byType.entries()].map(([type, items]) => [String(type), [...items.values()]]));
  }

  private table(entityTypeId: number): Map<number, CrmItem> {
    let table = this.byType.get(entityTypeId);
    if (!table) {
      table = new Map();
      this.byType.set(entityTypeId, table);
    }
    return table;
  }
}
