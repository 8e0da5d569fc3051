import { restErrors } from '../errors.js';
import type { MethodContext, MethodTable } from '../method-types.js';
import { asRecord, asString, paramCI } from '../params.js';

/**
 * A return value as the business process keeps it: Bitrix24 internalizes each value by its property's field type
 * (core modules/bizproc/classes/general/restactivity.php, OnExternalEvent). Form-encoded and batch calls deliver
 * strings, so numbers and booleans are read back from their text.
 */
function internalize(type: unknown, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const kind = typeof type === 'string' ? type.toLowerCase() : '';
  if ((kind === 'int' || kind === 'double') && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (kind === 'bool') return !['', '0', 'n', 'false'].includes(value.trim().toLowerCase());
  return value;
}

/** RETURN_VALUES keys match the registered RETURN_PROPERTIES case-insensitively; unknown keys are dropped. */
function acceptedReturnValues(ctx: MethodContext, eventToken: string, values: Record<string, unknown>): Record<string, unknown> {
  const code = ctx.state.robotInvocations.get(eventToken)?.code;
  const registration = code === undefined ? undefined : (ctx.state.robots.get(code) ?? ctx.state.activities.get(code));
  const properties = registration ? asRecord(registration.RETURN_PROPERTIES) : {};
  const declared = Object.keys(properties);
  if (declared.length === 0) return values;
  const accepted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const match = declared.find((name) => name.toLowerCase() === key.toLowerCase());
    if (match) accepted[match] = internalize(paramCI(asRecord(properties[match]), 'TYPE'), value);
  }
  return accepted;
}

export const bizprocEventMethods: MethodTable = {
  'bizproc.event.send': {
    handler: (params, ctx) => {
      const eventToken = asString(paramCI(params, 'EVENT_TOKEN'));
      if (!eventToken) throw restErrors.eventTokenDenied();
      const returnValues = acceptedReturnValues(ctx, eventToken, asRecord(paramCI(params, 'RETURN_VALUES')));
      ctx.robots.send(eventToken, returnValues, asString(paramCI(params, 'LOG_MESSAGE')));
      return { result: true };
    },
  },
  'bizproc.activity.log': {
    handler: (params, ctx) => {
      const eventToken = asString(paramCI(params, 'EVENT_TOKEN'));
      if (!eventToken) throw restErrors.eventTokenDenied();
      const message = asString(paramCI(params, 'LOG_MESSAGE'));
      if (!message) throw restErrors.validation('ERROR_EMPTY_LOG_MESSAGE', 'Empty log message!');
      ctx.robots.log(eventToken, message);
      return { result: true };
    },
  },
};
