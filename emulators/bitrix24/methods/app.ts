import { isoWithOffset } from '../clock.js';
import type { MethodTable } from '../method-types.js';
import { APP_SCOPE } from '../outbound.js';

export const appMethods: MethodTable = {
  /** The documented answer (b24restdocs api-reference/common/system/app-info.md): no member_id or domain; INSTALLED until installFinish. */
  'app.info': {
    handler: (_params, ctx) => ({
      result: {
        ID: 1,
        CODE: 'local.emulator.app',
        VERSION: ctx.state.appVersion,
        STATUS: 'L',
        INSTALLED: ctx.state.appInstalled,
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
