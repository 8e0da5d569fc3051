import { restErrors } from '../errors.js';
import { ACCESS, type MethodTable } from '../method-types.js';
import { asString, paramCI } from '../params.js';

export const placementMethods: MethodTable = {
  'placement.bind': {
    access: ACCESS.appOnlyWrongAuthType,
    handler: (params, ctx) => {
      const placement = asString(paramCI(params, 'PLACEMENT'))?.toUpperCase();
      const handler = asString(paramCI(params, 'HANDLER'));
      if (!placement) throw restErrors.validation('ERROR_PLACEMENT_NOT_FOUND', 'Placement not found');
      if (!handler || !/^https?:\/\//.test(handler)) throw restErrors.validation('ERROR_WRONG_HANDLER_URL', 'Wrong handler URL');
      if (ctx.state.placements.some((entry) => entry.placement === placement && entry.handler === handler)) {
        throw restErrors.validation('ERROR_PLACEMENT_HANDLER_ALREADY_BINDED', 'Handler already binded');
      }
      ctx.state.placements.push({
        placement,
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
      if (!placement) throw restErrors.validation('ERROR_PLACEMENT_NOT_FOUND', 'Placement not found');
      const handler = asString(paramCI(params, 'HANDLER'));
      const before = ctx.state.placements.length;
      ctx.state.placements = ctx.state.placements.filter(
        (entry) => !(entry.placement === placement && (handler === undefined || entry.handler === handler)),
      );
      return { result: { count: before - ctx.state.placements.length } };
    },
  },
};
