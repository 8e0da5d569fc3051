import { z } from 'zod';
import { installAuthSchema } from './auth.js';
import { looseRecord, nonEmptyString, nonNegativeIntString } from './common.js';

export const INSTALL_EVENTS = ['ONAPPINSTALL', 'ONAPPUPDATE'] as const;
export type InstallEvent = (typeof INSTALL_EVENTS)[number];
export const LIFECYCLE_EVENTS = [...INSTALL_EVENTS, 'ONAPPUNINSTALL'] as const;

const eventName = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .transform((name) => name.toUpperCase())
  .pipe(z.enum(LIFECYCLE_EVENTS, { error: `must be one of ${LIFECYCLE_EVENTS.join(', ')}` }));

/** Only the `event` of a lifecycle delivery, to choose the schema of the rest. */
export const lifecycleEventSchema = z.object({ event: eventName });

/**
 * ONAPPINSTALL (the API-only callback, or the ONAPPINSTALL an app with a UI binds) and ONAPPUPDATE: the tokens of the
 * administrator who installed or updated (b24restdocs api-reference/common/events/on-app-install.md, on-app-update.md).
 */
export const installBodySchema = z.object({
  event: eventName.pipe(z.enum(INSTALL_EVENTS, { error: `must be one of ${INSTALL_EVENTS.join(', ')}` })),
  data: looseRecord.optional().transform((data) => data ?? {}),
  ts: nonNegativeIntString.optional(),
  auth: installAuthSchema,
});

export type InstallBody = z.infer<typeof installBodySchema>;

/** ONAPPUNINSTALL carries no tokens: the portal and `application_token` only (on-app-uninstall.md). */
export const uninstallBodySchema = z.object({
  event: eventName.pipe(z.literal('ONAPPUNINSTALL')),
  data: looseRecord.optional().transform((data) => data ?? {}),
  ts: nonNegativeIntString.optional(),
  auth: z.object(
    { member_id: nonEmptyString(128), domain: nonEmptyString(261), application_token: nonEmptyString() },
    { error: 'must be an object' },
  ),
});

/**
 * The install form of an app with a UI, as the portal posts it into the install frame (b24restdocs
 * settings/oauth/simple-way.md): `DOMAIN, PROTOCOL, LANG, APP_SID` in the query, the tokens in the body. No
 * `application_token` is promised here; when the body has one (as app openings do) it is used.
 */
export const installFormSchema = z.object({
  DOMAIN: nonEmptyString(261),
  PROTOCOL: z.enum(['0', '1'], { error: 'must be 0 (http) or 1 (https)' }),
  LANG: z.string().max(16).optional(),
  APP_SID: z.string().max(128).optional(),
  AUTH_ID: nonEmptyString(),
  AUTH_EXPIRES: nonNegativeIntString.optional(),
  REFRESH_ID: nonEmptyString(),
  SERVER_ENDPOINT: nonEmptyString(2048),
  member_id: nonEmptyString(128),
  status: z.string().max(8).optional(),
  PLACEMENT: z.literal('DEFAULT', { error: 'must be DEFAULT: this is the install URL, widgets have their own handler' }),
  APPLICATION_TOKEN: nonEmptyString().optional(),
});

export type InstallForm = z.infer<typeof installFormSchema>;

/** The form's fields from body and query; the query's `DOMAIN, PROTOCOL, LANG, APP_SID` win (that is where they belong). */
export function installFormFields(body: unknown, query: unknown): Record<string, unknown> {
  const record = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
  const fromQuery = Object.entries(record(query)).filter(([key]) => ['DOMAIN', 'PROTOCOL', 'LANG', 'APP_SID'].includes(key));
  return { ...record(body), ...Object.fromEntries(fromQuery) };
}

/** A body is the install form of an app with a UI when it carries the frame's tokens instead of an `event`. */
export function isInstallForm(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !('event' in body) && ('AUTH_ID' in body || 'PLACEMENT' in body);
}
