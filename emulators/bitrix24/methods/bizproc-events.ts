import { restErrors } from '../errors.js';
import type { MethodContext, MethodTable } from '../method-types.js';
import { asRecord, asString, paramCI } from '../params.js';

/** RETURN_VALUES keys match the registered RETURN_PROPERTIES case-insensitively; unknown keys are dropped. */
function acceptedReturnValues(ctx: MethodContext, eventToken: string, values: Record<string, unknown>): Record<string, unknown> {
  const code = ctx.state.robotInvocations.get(eventToken)?.code;
  const registration = code === undefined ? undefined : (ctx.state.robots.get(code) ?? ctx.state.activities.get(code));
  const declared = registration ? Object.keys(asRecord(registration.RETURN_PROPERTIES)) : [];
  if (declared.length === 0) return values;
  const accepted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const match = declared.find((name) => name.toLowerCase() === key.toLowerCase());
    if (match) accepted[match] = value;
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
