import { restErrors } from '../errors.js';
import { ACCESS, type MethodContext, type MethodTable } from '../method-types.js';
import { asInt, asString, paramCI } from '../params.js';

const KNOWN_EVENTS = /^(ONCRM(LEAD|DEAL|CONTACT|COMPANY|QUOTE)(ADD|UPDATE|DELETE)|ONCRMDYNAMICITEM(ADD|UPDATE|DELETE)(_\d+)?|ONAPP(INSTALL|UPDATE|UNINSTALL)|ONOFFLINEEVENT|ONTASK(ADD|UPDATE|DELETE)|ONCRMTIMELINE\w+)$/;

/**
 * Only an administrator may bind or unbind offline handlers or handlers authorised as another user
 * (events/event-bind.md, events/event-unbind.md: 403 ACCESS_DENIED).
 */
function requireAdminFor(ctx: MethodContext, verb: 'binding' | 'unbinding', offline: boolean, authType: number | undefined): void {
  if (ctx.state.users.some((user) => user.ID === String(ctx.caller.userId) && user.IS_ADMIN)) return;
  if (offline) throw restErrors.accessDenied(403, `Access denied! Offline events ${verb} requires administrator access rights`);
  if (authType !== undefined && authType > 0 && authType !== ctx.caller.userId) {
    throw restErrors.accessDenied(403, `Access denied! Event ${verb} with AUTH_TYPE requires administrator access rights`);
  }
}

export const eventBindingMethods: MethodTable = {
  'event.bind': {
    access: ACCESS.appOnly,
    handler: (params, ctx) => {
      const event = asString(paramCI(params, 'event'))?.toUpperCase();
      if (!event || !KNOWN_EVENTS.test(event)) throw restErrors.validation('ERROR_EVENT_NOT_FOUND', 'Event not found');
      const offline = (asString(paramCI(params, 'event_type')) ?? 'online').toLowerCase() === 'offline';
      const handler = asString(paramCI(params, 'handler')) ?? '';
      if (!offline && !/^https?:\/\//.test(handler)) throw restErrors.validation('ERROR_HANDLER_URL_MISMATCH', 'Wrong handler URL');
      const authType = asInt(paramCI(params, 'auth_type')) ?? 0;
      requireAdminFor(ctx, 'binding', offline, authType);
      const duplicate = ctx.state.eventBindings.some(
        (binding) => binding.event === event && binding.offline === offline && binding.handler === (offline ? '' : handler) && binding.authType === authType,
      );
      if (duplicate) throw restErrors.validation('ERROR_HANDLER_ALREADY_EXIST', 'Handler already exists!');
      const authConnector = asString(paramCI(params, 'auth_connector'));
      ctx.state.eventBindings.push({
        id: ctx.state.nextId('eventBinding'),
        event,
        handler: offline ? '' : handler,
        authType,
        offline,
        ...(authConnector ? { authConnector } : {}),
        ...(paramCI(params, 'options') === undefined ? {} : { options: paramCI(params, 'options') }),
      });
      return { result: true };
    },
  },
  'event.get': {
    access: ACCESS.appOnly,
    handler: (_params, ctx) => ({
      result: ctx.state.eventBindings.map((binding) => ({
        event: binding.event,
        handler: binding.handler,
        auth_type: String(binding.authType),
        offline: binding.offline ? 1 : 0,
        ...(binding.authConnector ? { auth_connector: binding.authConnector } : {}),
      })),
    }),
  },
  'event.unbind': {
    access: ACCESS.appOnly,
    handler: (params, ctx) => {
      const event = asString(paramCI(params, 'event'))?.toUpperCase();
      if (!event) throw restErrors.validation('ERROR_EVENT_NOT_FOUND', 'Event not found');
      const handler = asString(paramCI(params, 'handler'));
      const eventType = asString(paramCI(params, 'event_type'))?.toLowerCase();
      const authType = asInt(paramCI(params, 'auth_type'));
      requireAdminFor(ctx, 'unbinding', eventType === 'offline', authType);
      const matches = (binding: (typeof ctx.state.eventBindings)[number]) =>
        binding.event === event &&
        (handler === undefined || binding.handler === handler) &&
        (eventType === undefined || binding.offline === (eventType === 'offline')) &&
        (authType === undefined || binding.authType === authType);
      const before = ctx.state.eventBindings.length;
      ctx.state.eventBindings = ctx.state.eventBindings.filter((binding) => !matches(binding));
      return { result: { count: before - ctx.state.eventBindings.length } };
    },
  },
};
