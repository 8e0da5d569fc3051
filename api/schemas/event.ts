import { z } from 'zod';
import { deliveryAuthSchema } from './auth.js';
import { looseRecord, nonEmptyString, nonNegativeIntString } from './common.js';

/** A CRM (or any REST) event delivery (bitrix24-protocol.md 4.2). */
export const eventBodySchema = z.object({
  event: nonEmptyString(128).transform((name) => name.toUpperCase()),
  event_handler_id: z.union([nonEmptyString(64), z.number().int()]).transform(String),
  data: looseRecord.optional().transform((data) => data ?? {}),
  ts: nonNegativeIntString,
  auth: deliveryAuthSchema,
});

export type EventBody = z.infer<typeof eventBodySchema>;
