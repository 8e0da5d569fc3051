import { z } from 'zod';
import { deliveryAuthSchema } from './auth.js';
import { looseRecord, nonEmptyString, nonNegativeIntString } from './common.js';

/** A CRM (or any REST) event delivery (b24restdocs api-reference/events/index.md). */
export const eventBodySchema = z.object({
  event: nonEmptyString(128).transform((name) => name.toUpperCase()),
  // The ONOFFLINEEVENT and outgoing-webhook bodies of the docs carry none (b24restdocs api-reference/events/on-offline-event.md).
  event_handler_id: z.union([nonEmptyString(64), z.number().int()]).transform(String).optional(),
  // ONOFFLINEEVENT's `data` is an empty array: JSON `[]`, and absent when form-encoded.
  data: z
    .union([looseRecord, z.array(z.never(), { error: 'must be an object' })])
    .optional()
    .transform((data) => (data === undefined || Array.isArray(data) ? {} : data)),
  ts: nonNegativeIntString,
  auth: deliveryAuthSchema,
});

export type EventBody = z.infer<typeof eventBodySchema>;
