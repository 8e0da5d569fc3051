import { restErrors } from '../errors.js';
import type { MethodContext } from '../method-types.js';

/** Core `CRestUtil::isAdmin()`: the user of the token or webhook is a portal administrator. */
export function isAdmin(ctx: MethodContext): boolean {
  return ctx.state.users.some((user) => user.ID === String(ctx.caller.userId) && user.IS_ADMIN);
}

/** Core `AccessException`: 403 ACCESS_DENIED "Access denied!", with the method's own detail when it has one. */
export function requireAdmin(ctx: MethodContext, detail?: string): void {
  if (!isAdmin(ctx)) throw restErrors.accessDenied(403, detail ? `Access denied! ${detail}` : undefined);
}
