import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import { writeWithConnector, type AuthConnectorSource } from './auth-connector.js';

export interface CrmItemWrite {
  memberId: string;
  entityTypeId: number;
  id: number;
  /** camelCase field names, as crm.item.update takes them (`title`, `ufCrm5_Number`, `parentId2`). */
  fields: Record<string, unknown>;
}

export interface CrmItemWriteResult {
  /** False when the item already held every value: no crm.item.update was sent, so no update event will follow. */
  written: boolean;
  /** The fields that differed and were sent. */
  changedFields: string[];
}

type Scalar = string | number | boolean | null;

/** Bitrix24 answers empty values as '' or null, and booleans as 'Y'/'N'. */
function normalizeScalar(value: unknown): Scalar {
  if (value === undefined || value === null || value === '') return null;
  if (value === true || value === 'Y') return true;
  if (value === false || value === 'N') return false;
  if (typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

function asNumber(value: Scalar): number | undefined {
  if (typeof value === 'number') return value;
  return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : undefined;
}

/** Bitrix24 answers numbers as strings ("5" for 5); text compares exactly, so "007" stays unlike "7". */
function sameScalar(current: unknown, desired: unknown): boolean {
  const a = normalizeScalar(current);
  const b = normalizeScalar(desired);
  if (typeof a === 'number' || typeof b === 'number') {
    const [x, y] = [asNumber(a), asNumber(b)];
    return x !== undefined && x === y;
  }
  return a === b;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  const scalar = normalizeScalar(value);
  return JSON.stringify(asNumber(scalar) ?? scalar);
}

/** Whether the portal's current value already equals what we would write. */
export function sameFieldValue(current: unknown, desired: unknown): boolean {
  const isEmpty = (value: unknown) => (Array.isArray(value) ? value.length === 0 : normalizeScalar(value) === null);
  if (isEmpty(current) && isEmpty(desired)) return true;
  const structured = (value: unknown) => typeof value === 'object' && value !== null;
  if (structured(current) || structured(desired)) return stableJson(current) === stableJson(desired);
  return sameScalar(current, desired);
}

function currentValue(item: Record<string, unknown>, field: string): unknown {
  if (field in item) return item[field];
  const lower = field.toLowerCase();
  const key = Object.keys(item).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : item[key];
}

/** The subset of `desired` that differs from `current`. */
export function changedFields(current: Record<string, unknown>, desired: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(desired).filter(([field, value]) => !sameFieldValue(currentValue(current, field), value)));
}

/**
 * Read → compare → write only what differs (no echo loops: docs/architecture.md). Every pass that writes to a CRM item should
 * go through this: a pass triggered by the echo of our own write then reads the values it wrote and sends nothing.
 */
export async function writeItemIfChanged(
  bitrix24: Bitrix24Caller,
  connector: AuthConnectorSource,
  write: CrmItemWrite,
  signal?: AbortSignal,
): Promise<CrmItemWriteResult> {
  const { item } = await bitrix24.call<{ item: Record<string, unknown> }>(
    write.memberId,
    'crm.item.get',
    { entityTypeId: write.entityTypeId, id: write.id },
    { signal },
  );
  const changes = changedFields(item, write.fields);
  const changed = Object.keys(changes);
  if (changed.length === 0) return { written: false, changedFields: [] };
  await writeWithConnector(bitrix24, connector, write.memberId, 'crm.item.update', { entityTypeId: write.entityTypeId, id: write.id, fields: changes }, { signal });
  return { written: true, changedFields: changed };
}
