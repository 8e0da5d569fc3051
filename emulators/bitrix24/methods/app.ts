import { isoWithOffset } from '../clock.js';
import type { MethodTable } from '../method-types.js';
import { APP_SCOPE } from '../outbound.js';
import { FEATURE_CODES, type EmulatorState } from '../state.js';

/**
 * CHOICE: the plan follows the portal's features: with both REST features it is Professional (`pro100`, the least plan
 * offline-events.md names for auth_connector), without them Basic. Core names it `{lang}_{plan}`.
 */
function licenseOf(state: EmulatorState): { license: string; type: string; family: string } {
  const professional = state.features[FEATURE_CODES.authConnector] && state.features[FEATURE_CODES.offlineExtended];
  return professional ? { license: 'en_pro100', type: 'pro100', family: 'pro' } : { license: 'en_basic', type: 'basic', family: 'basic' };
}

export const appMethods: MethodTable = {
  /**
   * b24restdocs api-reference/common/system/app-info.md, and core modules/rest/classes/general/rest_provider.php
   * (`CRestProvider::appInfo`): an application token gets the app's record (no member_id or domain; INSTALLED until
   * installFinish; LICENSE_PREVIOUS only on a demo plan, which this portal never is); an inbound webhook gets only
   * `SCOPE` and `LICENSE`.
   */
  'app.info': {
    handler: (_params, ctx) => {
      const plan = licenseOf(ctx.state);
      if (ctx.caller.kind === 'webhook') return { result: { SCOPE: APP_SCOPE.split(','), LICENSE: plan.license } };
      return {
        result: {
          ID: 1,
          CODE: 'local.emulator.app',
          VERSION: ctx.state.appVersion,
          STATUS: 'L',
          INSTALLED: ctx.state.appInstalled,
          PAYMENT_EXPIRED: 'N',
          DAYS: null,
          LANGUAGE_ID: 'en',
          LICENSE: plan.license,
          LICENSE_TYPE: plan.type,
          LICENSE_FAMILY: plan.family,
        },
      };
    },
  },
  'server.time': {
    handler: (_params, ctx) => ({ result: isoWithOffset(ctx.clock.nowMs()) }),
  },
  scope: {
    handler: () => ({ result: APP_SCOPE.split(',') }),
  },
};
