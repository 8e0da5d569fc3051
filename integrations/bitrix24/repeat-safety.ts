/**
 * What may happen when a command is sent again because the request that carried it failed without an answer
 * (timeout, network, 5xx): the batcher repeats only commands for which a repeat is harmless. Every other command
 * fails back to its caller with the retryable error, and the caller's activity looks up what happened before it
 * writes again (docs/rate-limits.md lists who looks up what).
 */
export const REPEAT_SAFETY = {
  /** Reads: a repeat returns the current state. */
  read: 'read',
  /** Writes whose repeat leaves the same state (a set, or an answer Bitrix24 ignores once it was received). */
  sameEffect: 'same-effect',
  /** Adds, appends, deletes and reservations: a repeat may duplicate or fail; only the caller can look it up. */
  unknown: 'unknown',
} as const;

export type RepeatSafety = (typeof REPEAT_SAFETY)[keyof typeof REPEAT_SAFETY];

const BY_METHOD: Record<string, RepeatSafety> = {
  // Not a read: without `process_id` it reserves new records (or deletes them with clear=1).
  'event.offline.get': REPEAT_SAFETY.unknown,
  'crm.item.update': REPEAT_SAFETY.sameEffect,
  'crm.deal.update': REPEAT_SAFETY.sameEffect,
  // lists.element.update replaces the whole element (lists-element-update.md): the same body sets the same element.
  'lists.element.update': REPEAT_SAFETY.sameEffect,
  'crm.item.productrow.set': REPEAT_SAFETY.sameEffect,
  // A send for a token already answered is accepted and ignored (the emulator and core bizproc restservice agree).
  'bizproc.event.send': REPEAT_SAFETY.sameEffect,
  'event.offline.clear': REPEAT_SAFETY.sameEffect,
  'event.offline.error': REPEAT_SAFETY.sameEffect,
  'user.current': REPEAT_SAFETY.read,
  'user.admin': REPEAT_SAFETY.read,
  'server.time': REPEAT_SAFETY.read,
  'app.info': REPEAT_SAFETY.read,
  'feature.get': REPEAT_SAFETY.read,
  'scope': REPEAT_SAFETY.read,
  'methods': REPEAT_SAFETY.read,
};

const READ_SUFFIXES = ['.get', '.list', '.fields', '.getbyentitytypeid'];

export function repeatSafetyOf(method: string): RepeatSafety {
  const name = method.toLowerCase();
  const known = BY_METHOD[name];
  if (known !== undefined) return known;
  return READ_SUFFIXES.some((suffix) => name.endsWith(suffix)) ? REPEAT_SAFETY.read : REPEAT_SAFETY.unknown;
}
