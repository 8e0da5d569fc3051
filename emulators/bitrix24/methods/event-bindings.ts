import { OFFLINE_NOTICE_EVENT } from '../crm-events.js';
import { restErrors } from '../errors.js';
import { ACCESS, type MethodContext, type MethodTable } from '../method-types.js';
import { asInt, asString, isRecord, paramCI, type Params } from '../params.js';
import type { EventBinding } from '../state.js';
import { isAdmin, requireAdmin } from './access.js';

const KNOWN_EVENTS = /^(ONCRM(LEAD|DEAL|CONTACT|COMPANY|QUOTE)(ADD|UPDATE|DELETE)|ONCRMDYNAMICITEM(ADD|UPDATE|DELETE)(_\d+)?|ONAPP(INSTALL|UPDATE|UNINSTALL)|ONOFFLINEEVENT|ONTASK(ADD|UPDATE|DELETE)|ONCRMTIMELINE\w+)$/;

/** Core `Event::onRestServiceBuildDescription`: only ONOFFLINEEVENT takes options (`minTimeout`, an integer). */
const ALLOWED_OPTIONS: Record<string, Record<string, 'int'>> = { [OFFLINE_NOTICE_EVENT]: { minTimeout: 'int' } };

function allowedOptions(event: string, params: Params): Record<string, number> {
  const given = paramCI(params, 'options');
  const allowed = ALLOWED_OPTIONS[event];
  if (!allowed || !isRecord(given)) return {};
  const options: Record<string, number> = {};
  for (const code of Object.keys(allowed)) {
    if (given[code] !== undefined) options[code] = Math.trunc(Number(given[code])) || 0;
  }
  return options;
}

const connectorOf = (ctx: MethodContext) => ctx.authConnector ?? '';

/** A handler authorised as another user needs an administrator (events/event-bind.md, event-unbind.md: 403 ACCESS_DENIED). */
function requireAdminForAuthType(ctx: MethodContext, verb: 'binding' | 'unbinding', authType: number | undefined): void {
  if (authType !== undefined && authType > 0 && authType !== ctx.caller.userId) {
    requireAdmin(ctx, `Event ${verb} with AUTH_TYPE requires administrator access rights`);
  }
}

/**
 * What `events` answers (b24restdocs api-reference/events/events.md): the events of the app's scopes the emulator
 * can send. CHOICE: only base names; the suffixed `ONCRMDYNAMICITEM*_{entityTypeId}` names the docs' example lists
 * are not offered, so an app binds the base events and filters by `ENTITY_TYPE_ID`.
 */
const LISTED_EVENTS = [
  'ONAPPUNINSTALL',
  'ONAPPINSTALL',
  'ONAPPUPDATE',
  OFFLINE_NOTICE_EVENT,
  ...['LEAD', 'DEAL', 'CONTACT', 'COMPANY', 'QUOTE', 'DYNAMICITEM'].flatMap((entity) => ['ADD', 'UPDATE', 'DELETE'].map((action) => `ONCRM${entity}${action}`)),
  'ONTASKADD',
  'ONTASKUPDATE',
  'ONTASKDELETE',
];

export const eventBindingMethods: MethodTable = {
  // Core `Event::eventsList` refuses anything but an application token (AuthTypeException).
  events: {
    access: ACCESS.appOnlyWrongAuthType,
    handler: () => ({ result: LISTED_EVENTS }),
  },
  'event.bind': {
    access: ACCESS.appOnly,
    handler: (params, ctx) => {
      const event = asString(paramCI(params, 'event'))?.toUpperCase();
      if (!event || !KNOWN_EVENTS.test(event)) throw restErrors.validation('ERROR_EVENT_NOT_FOUND', 'Event not found');
      const offline = (asString(paramCI(params, 'event_type')) ?? 'online').toLowerCase() === 'offline';
      const handler = asString(paramCI(params, 'handler')) ?? '';
      if (offline) requireAdmin(ctx, 'Offline events binding requires administrator access rights');
      if (offline && event === OFFLINE_NOTICE_EVENT) throw restErrors.argument('Offline event cannot be registered for this event.');
      if (!offline && !/^https?:\/\//.test(handler)) throw restErrors.validation('ERROR_HANDLER_URL_MISMATCH', 'Wrong handler URL');
      const requestedAuthType = asInt(paramCI(params, 'auth_type'));
      if (!offline) requireAdminForAuthType(ctx, 'binding', requestedAuthType);
      const authType = offline ? 0 : (requestedAuthType ?? (isAdmin(ctx) ? 0 : ctx.caller.userId));
      const connectorId = connectorOf(ctx);
      const duplicate = ctx.state.eventBindings.some(
        (binding) =>
          binding.event === event &&
          binding.offline === offline &&
          binding.handler === (offline ? '' : handler) &&
          binding.authType === authType &&
          binding.connectorId === connectorId,
      );
      if (duplicate) throw restErrors.validation('ERROR_HANDLER_ALREADY_EXIST', 'Handler already exists!');
      ctx.state.eventBindings.push({
        id: ctx.state.nextId('eventBinding'),
        event,
        handler: offline ? '' : handler,
        authType,
        offline,
        connectorId,
        options: allowedOptions(event, params),
      });
      return { result: true };
    },
  },
  'event.get': {
    access: ACCESS.appOnly,
    // Core `Event::eventGet`: online rows name their handler and user, offline rows their connector; no options.
    handler: (_params, ctx) => ({
      result: ctx.state.eventBindings.map((binding) =>
        binding.offline
          ? { event: binding.event, connector_id: binding.connectorId, offline: 1 }
          : { event: binding.event, handler: binding.handler, auth_type: String(binding.authType), offline: 0 },
      ),
    }),
  },
  'event.unbind': {
    access: ACCESS.appOnly,
    handler: (params, ctx) => {
      const event = asString(paramCI(params, 'event'))?.toUpperCase();
      if (!event) throw restErrors.validation('ERROR_EVENT_NOT_FOUND', 'Event not found');
      const handler = asString(paramCI(params, 'handler'));
      const offline = asString(paramCI(params, 'event_type'))?.toLowerCase() === 'offline';
      if (offline) requireAdmin(ctx, 'Offline events unbinding requires administrator access rights');
      const authType = asInt(paramCI(params, 'auth_type'));
      if (!offline) requireAdminForAuthType(ctx, 'unbinding', authType);
      const matches = (binding: EventBinding) =>
        binding.event === event &&
        binding.offline === offline &&
        (offline ? binding.connectorId === connectorOf(ctx) : handler === undefined || binding.handler === handler) &&
        (offline || authType === undefined || binding.authType === authType);
      const before = ctx.state.eventBindings.length;
      ctx.state.eventBindings = ctx.state.eventBindings.filter((binding) => !matches(binding));
      return { result: { count: before - ctx.state.eventBindings.length } };
    },
  },
};

