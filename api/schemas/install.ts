import { z } from 'zod';
import { installAuthSchema } from './auth.js';
import { looseRecord, nonNegativeIntString } from './common.js';

export const INSTALL_EVENTS = ['ONAPPINSTALL', 'ONAPPUPDATE'] as const;
export type InstallEvent = (typeof INSTALL_EVENTS)[number];

/** The installation callback: ONAPPINSTALL on install, ONAPPUPDATE on every app update (which deletes robots). */
export const installBodySchema = z.object({
  event: z
    .string()
    .transform((name) => name.toUpperCase())
    .pipe(z.enum(INSTALL_EVENTS, { error: `must be one of ${INSTALL_EVENTS.join(', ')}` })),
  data: looseRecord.optional().transform((data) => data ?? {}),
  ts: nonNegativeIntString.optional(),
  auth: installAuthSchema,
});

export type InstallBody = z.infer<typeof installBodySchema>;
