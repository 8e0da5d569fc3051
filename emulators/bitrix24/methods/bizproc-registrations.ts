import { restErrors } from '../errors.js';
import { ACCESS, type MethodTable } from '../method-types.js';
import { asRecord, asString, isRecord, paramCI, type Params } from '../params.js';
import type { BizprocRegistration } from '../state.js';
import { isValidRobotFilter } from '../robot-filter.js';

const CODE_PATTERN = /^[a-z0-9.\-_]+$/i;
const PROPERTY_KEY_PATTERN = /^[a-z][a-z0-9_]*$/i;
const UPDATABLE = ['HANDLER', 'AUTH_USER_ID', 'USE_SUBSCRIPTION', 'NAME', 'DESCRIPTION', 'PROPERTIES', 'RETURN_PROPERTIES', 'DOCUMENT_TYPE', 'FILTER', 'USE_PLACEMENT', 'PLACEMENT_HANDLER'] as const;

/** Non-administrators get ACCESS_DENIED "Access denied!" with HTTP 400 (bizproc-robot-*.md, bizproc-activity-*.md). */
const BIZPROC_ADMIN = { status: 400 } as const;

const invalid = (text: string) => restErrors.validation('ERROR_ACTIVITY_VALIDATION_FAILURE', text);

function upperKeys(params: Params): Params {
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [key.toUpperCase(), value]));
}

function validate(fields: Params): void {
  const code = asString(fields.CODE);
  if (!code) throw invalid('Empty activity code!');
  if (!CODE_PATTERN.test(code)) throw invalid('Wrong activity code!');
  const handler = asString(fields.HANDLER) ?? '';
  let url: URL;
  try {
    url = new URL(handler);
  } catch {
    throw restErrors.validation('ERROR_WRONG_HANDLER_URL', 'Wrong handler URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw restErrors.validation('ERROR_UNSUPPORTED_PROTOCOL', 'Unsupported handler protocol');
  const name = fields.NAME;
  if (!(asString(name) || (isRecord(name) && Object.keys(name).length > 0))) throw invalid('Empty activity NAME!');
  for (const group of ['PROPERTIES', 'RETURN_PROPERTIES'] as const) {
    if (fields[group] === undefined || fields[group] === '') continue;
    if (!isRecord(fields[group])) throw invalid('Wrong properties array!');
    for (const [key, property] of Object.entries(fields[group])) {
      if (!PROPERTY_KEY_PATTERN.test(key)) throw invalid(`Wrong property key ${key}!`);
      if (!isRecord(property) || !paramCI(property, 'Name')) throw invalid(`Empty property NAME ${key}!`);
    }
  }
  if (fields.USE_PLACEMENT === 'Y' && !asString(fields.PLACEMENT_HANDLER)) throw invalid('Empty PLACEMENT_HANDLER!');
  if (fields.FILTER !== undefined && !isValidRobotFilter(fields.FILTER)) throw invalid('Wrong activity FILTER!');
}

/** bizproc.robot.update with an empty FILTER clears it (core updateActivityInternal). */
function withoutEmptyFilter(changes: Params): Params {
  const filter = changes.FILTER;
  const empty = filter === '' || filter === null || (isRecord(filter) && Object.keys(filter).length === 0) || (Array.isArray(filter) && filter.length === 0);
  if (!empty) return changes;
  const { FILTER: _cleared, ...rest } = changes;
  return rest;
}

/** bizproc.robot.* and bizproc.activity.* share one implementation; only the registry differs (IS_ROBOT). */
function registrationMethods(prefix: 'bizproc.robot' | 'bizproc.activity', pick: 'robots' | 'activities'): MethodTable {
  return {
    [`${prefix}.add`]: {
      access: ACCESS.appOnlyBizproc,
      adminOnly: BIZPROC_ADMIN,
      handler: (params, ctx) => {
        const fields = upperKeys(params);
        validate(fields);
        const registry = ctx.state[pick];
        const code = String(fields.CODE);
        if (registry.has(code)) throw restErrors.validation('ERROR_ACTIVITY_ALREADY_INSTALLED', 'Activity or Robot already installed!');
        registry.set(code, { ...fields, CODE: code, HANDLER: String(fields.HANDLER) } as BizprocRegistration);
        return { result: true };
      },
    },
    [`${prefix}.update`]: {
      access: ACCESS.appOnlyBizproc,
      adminOnly: BIZPROC_ADMIN,
      handler: (params, ctx) => {
        const code = asString(paramCI(params, 'CODE'));
        if (!code) throw invalid('Empty activity code!');
        const existing = ctx.state[pick].get(code);
        if (!existing) throw restErrors.validation('ERROR_ACTIVITY_NOT_FOUND', 'Activity or Robot not found!');
        const changes = Object.fromEntries(
          Object.entries(upperKeys(asRecord(paramCI(params, 'FIELDS')))).filter(([key]) => (UPDATABLE as readonly string[]).includes(key)),
        );
        if (Object.keys(changes).length === 0) throw invalid('No fields to update');
        const base: Params = { ...existing };
        if ('FILTER' in changes) delete base.FILTER;
        const updated = { ...base, ...withoutEmptyFilter(changes) } as BizprocRegistration;
        validate(updated);
        ctx.state[pick].set(code, updated);
        return { result: true };
      },
    },
    [`${prefix}.delete`]: {
      access: ACCESS.appOnlyBizproc,
      adminOnly: BIZPROC_ADMIN,
      handler: (params, ctx) => {
        const code = asString(paramCI(params, 'CODE'));
        if (!code) throw invalid('Empty activity code!');
        if (!ctx.state[pick].delete(code)) throw restErrors.validation('ERROR_ACTIVITY_NOT_FOUND', 'Activity or Robot not found!');
        return { result: true };
      },
    },
    [`${prefix}.list`]: {
      access: ACCESS.appOnlyBizproc,
      adminOnly: BIZPROC_ADMIN,
      handler: (_params, ctx) => ({ result: [...ctx.state[pick].keys()] }),
    },
  };
}

export const bizprocRegistrationMethods: MethodTable = {
  ...registrationMethods('bizproc.robot', 'robots'),
  ...registrationMethods('bizproc.activity', 'activities'),
};
