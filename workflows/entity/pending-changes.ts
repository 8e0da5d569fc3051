import type { EntityChange } from '../../contracts/entity.js';

/** Enough to coalesce any storm: a pass only needs to know whether the item was added or deleted, and when. */
export const MAX_PENDING_CHANGES = 50;

function sameChange(a: EntityChange, b: EntityChange): boolean {
  return a.kind === b.kind && a.event === b.event && a.ts === b.ts && a.source === b.source;
}

/**
 * Adds a change to the pending list. A repeated delivery of the same change is dropped; past the cap the oldest
 * updates go first, while the add and the delete (what a pass branches on) are always kept.
 */
export function withChange(pending: readonly EntityChange[], change: EntityChange): EntityChange[] {
  if (pending.some((existing) => sameChange(existing, change))) return [...pending];
  const next = [...pending, change];
  while (next.length > MAX_PENDING_CHANGES) {
    const oldestUpdate = next.findIndex((existing) => existing.kind === 'update');
    next.splice(oldestUpdate >= 0 ? oldestUpdate : 0, 1);
  }
  return next;
}

export function hasKind(changes: readonly EntityChange[], kind: EntityChange['kind']): boolean {
  return changes.some((change) => change.kind === kind);
}
