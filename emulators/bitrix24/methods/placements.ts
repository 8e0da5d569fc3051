import { restErrors } from '../errors.js';
import { ACCESS, type MethodTable } from '../method-types.js';
import { asInt, asString, paramCI } from '../params.js';

export const placementMethods: MethodTable = {
  'placement.bind': {
    access: ACCESS.appOnlyWrongAuthType,
    handler: (params, ctx) => {
      // widgets/placement-bind.md answers a missing argument with ERROR_ARGUMENT and HTTP 200.
      const placement = asString(paramCI(params, 'PLACEMENT'))?.toUpperCase();
      if (!placement) throw restErrors.missingArgument(200, 'PLACEMENT');
      const handler = asString(paramCI(params, 'HANDLER'));
      if (!handler) throw restErrors.missingArgument(200, 'HANDLER');
      if (!/^https?:\/\//.test(handler)) throw restErrors.validation('ERROR_WRONG_HANDLER_URL', 'Wrong handler URL');
      if (ctx.state.placements.some((entry) => entry.placement === placement && entry.handler === handler)) {
        throw restErrors.validation('ERROR_PLACEMENT_HANDLER_ALREADY_BINDED', 'Handler already binded');
      }
      ctx.state.placements.push({
        placement,
        userId: asInt(paramCI(params, 'USER_ID')) ?? 0,
        handler,
        title: asString(paramCI(params, 'TITLE')) ?? '',
        description: asString(paramCI(params, 'DESCRIPTION')) ?? '',
        options: paramCI(params, 'OPTIONS') ?? [],
        langAll: paramCI(params, 'LANG_ALL') ?? [],
      });
      return { result: true };
    },
  },
  'placement.get': {
    access: ACCESS.appOnlyWrongAuthType,
    handler: (_params, ctx) => ({ result: ctx.state.placements }),
  },
  'placement.unbind': {
    access: ACCESS.appOnlyWrongAuthType,
    handler: (params, ctx) => {
      const placement = asString(paramCI(params, 'PLACEMENT'))?.toUpperCase();
      if (!placement) throw restErrors.missingArgument(400, 'PLACEMENT');
      const handler = asString(paramCI(params, 'HANDLER'));
      const before = ctx.state.placements.length;
      ctx.state.placements = ctx.state.placements.filter(
        (entry) => !(entry.placement === placement && (handler === undefined || entry.handler === handler)),
      );
      // widgets/placement-unbind.md: count grows by 1 per record found and by another 1 per record removed.
      return { result: { count: 2 * (before - ctx.state.placements.length) } };
    },
  },
};
