import { restErrors } from '../errors.js';
import type { MethodTable } from '../method-types.js';

/**
 * `user.admin`: whether the user of the token may manage the app's settings; `{"result": true|false}`, any user may call
 * it (b24restdocs api-reference/common/users/user-admin.md). Here: the seeded `IS_ADMIN` flag of that user.
 */
export const userAdminMethods: MethodTable = {
  'user.admin': {
    handler: (_params, ctx) => {
      const user = ctx.state.users.find((candidate) => candidate.ID === String(ctx.caller.userId));
      if (!user) throw restErrors.noAuth();
      return { result: user.IS_ADMIN };
    },
  },
};
