import type { PortalUser } from '../state.js';

/** Profile fields every user has in the examples of user.get (b24restdocs api-reference/user/user-get.md). */
const PROFILE_DEFAULTS = {
  LAST_LOGIN: '2026-01-05T09:00:00+00:00',
  DATE_REGISTER: '2026-01-05T00:00:00+00:00',
  IS_ONLINE: 'N',
  PERSONAL_GENDER: '',
  PERSONAL_BIRTHDAY: '',
  UF_EMPLOYMENT_DATE: '',
  USER_TYPE: 'employee',
} as const;

/** A user as the user methods show one: the documented keys, without the emulator's own `IS_ADMIN` flag. */
export function userView(user: PortalUser): Record<string, unknown> {
  const { IS_ADMIN: _admin, ...fields } = user;
  return { ...PROFILE_DEFAULTS, ...fields };
}
