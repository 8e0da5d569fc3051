import { restErrors } from '../errors.js';
import { ACCESS, type MethodTable } from '../method-types.js';
import { asInt, asString, paramCI } from '../params.js';

const KNOWN_EVENTS = /^(ONCRM(LEAD|DEAL|CONTACT|COMPANY|QUOTE)(ADD|UPDATE|DELETE)|ONCRMDYNAMICITEM(ADD|UPDATE|DELETE)(_\d+)?|ONAPP(INSTALL|UPDATE|UNINSTALL)|ONOFFLINEEVENT|ONTASK(ADD|UPDATE|DELETE)|ONCRMTIMELINE\w+)$/;

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
