import { restErrors } from '../errors.js';
import type { MethodTable } from '../method-types.js';

/**
 * `user.admin`: whether the user of the token may manage the portal's applications; `{"result": true|false}`
 * (dev.1c-bitrix.ru rest_help/general/user_admin.php). Here: the seeded `IS_ADMIN` flag of that user.
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
