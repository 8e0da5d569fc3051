import type { Asker, ItemPeople } from './access.js';
import type { PlacementItem } from './placement-target.js';
import type { RestCall } from './rest-calls.js';

export interface CurrentUser extends Asker {
  name: string;
}

export interface ItemFacts extends ItemPeople {
  title: string;
}

function toInt(value: unknown): number | null {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : null;
}

function toBoolean(value: unknown): boolean {
  return value === true || value === 'true' || value === 'Y' || value === 1 || value === '1';
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Who opened the tab, asked with their own token: `user.current`, and `user.admin` ("may manage the portal's
 * applications", answers true/false for the current user) rather than a flag whose name differs between versions.
 */
export async function readCurrentUser(asUser: RestCall): Promise<CurrentUser> {
  const [user, admin] = await Promise.all([asUser<unknown>('user.current'), readAdmin(asUser)]);
  const fields = asRecord(user);
  const userId = toInt(fields.ID);
  if (userId === null) throw new Error('user.current answered without an ID');
  const name = [fields.NAME, fields.LAST_NAME].filter((part) => typeof part === 'string' && part !== '').join(' ');
  return { userId, admin, name };
}

/**
 * `user.admin` with the user's own token, asked again before every action: rights revoked after the page opened
 * count at once (b24restdocs api-reference/user/user-admin.md).
 */
export async function readAdmin(asUser: RestCall): Promise<boolean> {
  return toBoolean(await asUser<unknown>('user.admin'));
}

/**
 * The item's responsible person and the heads of their departments (`crm.item.get`, `user.get`, `department.get`
 * with its `UF_HEAD`). Direct departments only: the head of a parent department is not the head "of their department".
 */
export async function readItemPeople(rest: RestCall, item: PlacementItem): Promise<ItemFacts> {
  const got = asRecord(await rest<unknown>('crm.item.get', { entityTypeId: item.entityTypeId, id: item.itemId }));
  const fields = asRecord(got.item);
  const title = typeof fields.title === 'string' ? fields.title : '';
  const responsibleId = toInt(fields.assignedById);
  if (responsibleId === null) return { title, responsibleId, headsOfResponsible: [] };

  const users = await rest<unknown>('user.get', { ID: responsibleId });
  const responsible = asRecord(Array.isArray(users) ? users[0] : undefined);
  const departmentIds = (Array.isArray(responsible.UF_DEPARTMENT) ? responsible.UF_DEPARTMENT : [])
    .map(toInt)
    .filter((id): id is number => id !== null);
  const departments = await Promise.all(departmentIds.map((id) => rest<unknown>('department.get', { ID: id })));
  const headsOfResponsible = departments
    .flatMap((rows) => (Array.isArray(rows) ? rows : []))
    .map((row) => toInt(asRecord(row).UF_HEAD))
    .filter((id): id is number => id !== null);
  return { title, responsibleId, headsOfResponsible };
}
