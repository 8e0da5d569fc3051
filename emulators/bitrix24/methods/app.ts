import { isoWithOffset } from '../clock.js';
import type { MethodTable } from '../method-types.js';
import { APP_SCOPE } from '../outbound.js';

export const appMethods: MethodTable = {
  'app.info': {
    handler: () => ({
      result: {
        ID: 1,
        CODE: 'local.emulator.app',
        VERSION: 1,
        STATUS: 'L',
        INSTALLED: true,
        PAYMENT_EXPIRED: 'N',
        DAYS: null,
        LANGUAGE_ID: 'en',
        LICENSE: 'en_project',
        LICENSE_PREVIOUS: 'en_project',
        LICENSE_TYPE: 'project',
        LICENSE_FAMILY: 'project',
      },
    }),
  },
  'server.time': {
    handler: (_params, ctx) => ({ result: isoWithOffset(ctx.clock.nowMs()) }),
  },
  scope: {
    handler: () => ({ result: APP_SCOPE.split(',') }),
  },
};
