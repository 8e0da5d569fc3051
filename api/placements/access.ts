/**
 * Who may do what in the runs tab (docs/security.md): every user who can open the item reads;
 * retrying a failed run is for the item's responsible person and the head of their department; terminating a run is
 * for portal administrators only.
 */
export interface Asker {
  userId: number;
  admin: boolean;
}

export interface ItemPeople {
  /** `assignedById` of the item; null when the item has none. */
  responsibleId: number | null;
  /** `UF_HEAD` of every department the responsible person belongs to. */
  headsOfResponsible: readonly number[];
}

export interface Permissions {
  retry: boolean;
  terminate: boolean;
}

export const NO_ACTIONS: Permissions = { retry: false, terminate: false };

export function permissionsFor(asker: Asker, people: ItemPeople): Permissions {
  const responsible = people.responsibleId !== null && people.responsibleId === asker.userId;
  const head = people.headsOfResponsible.includes(asker.userId);
  return { retry: responsible || head, terminate: asker.admin };
}

export const REFUSALS = {
  retry: 'Only the responsible person of this item and the head of their department may retry a run.',
  terminate: 'Only portal administrators may terminate a run.',
} as const;
