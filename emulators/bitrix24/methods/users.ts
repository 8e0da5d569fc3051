import { restErrors } from '../errors.js';
import { paginate, type MethodTable } from '../method-types.js';
import { asRecord, asString, paramCI } from '../params.js';
import type { PortalUser } from '../state.js';
import { userView } from './user-view.js';

const USER_FILTER_KEYS = ['ID', 'ACTIVE', 'EMAIL', 'NAME', 'LAST_NAME', 'UF_DEPARTMENT', 'WORK_POSITION'] as const;

function matchesUser(user: PortalUser, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([rawKey, expected]) => {
    const key = rawKey.replace(/^[=]/, '').toUpperCase();
    const wanted = (Array.isArray(expected) ? expected : [expected]).map((value) => asString(value));
    if (key === 'UF_DEPARTMENT') return user.UF_DEPARTMENT.some((department) => wanted.includes(String(department)));
    if (key === 'ACTIVE') return wanted.includes(user.ACTIVE ? 'true' : 'false') || wanted.includes(user.ACTIVE ? 'Y' : 'N');
    const actual = (user as unknown as Record<string, unknown>)[key];
    return wanted.includes(asString(actual));
  });
}

/** The keys user.current answers with (b24restdocs api-reference/user/user-current.md); admin rights come from user.admin. */
function currentUser(user: PortalUser): Record<string, unknown> {
  return {
    ID: user.ID,
    ACTIVE: user.ACTIVE,
    NAME: user.NAME,
    LAST_NAME: user.LAST_NAME,
    EMAIL: user.EMAIL,
    LAST_LOGIN: '',
    DATE_REGISTER: '',
    IS_ONLINE: 'N',
    LAST_ACTIVITY_DATE: '',
    PERSONAL_GENDER: '',
    PERSONAL_BIRTHDAY: '',
    WORK_POSITION: user.WORK_POSITION,
    UF_EMPLOYMENT_DATE: '',
    UF_DEPARTMENT: user.UF_DEPARTMENT,
  };
}

export const userMethods: MethodTable = {
  'user.current': {
    handler: (_params, ctx) => {
      const user = ctx.state.users.find((candidate) => candidate.ID === String(ctx.caller.userId));
      if (!user) throw restErrors.noAuth();
      return { result: currentUser(user) };
    },
  },
  'user.get': {
    handler: (params, ctx) => {
      const filter: Record<string, unknown> = { ...asRecord(paramCI(params, 'FILTER')) };
      for (const key of USER_FILTER_KEYS) {
        const value = paramCI(params, key);
        if (value !== undefined) filter[key] = value;
      }
      const users = ctx.state.users.filter((user) => matchesUser(user, filter));
      const { page, total, next } = paginate(users, paramCI(params, 'start'));
      return { result: page.map(userView), total, next };
    },
  },
};
