import { z } from 'zod';
import { deliveryAuthSchema } from './auth.js';
import { documentTriple, looseRecord, nonEmptyString, nonNegativeIntString } from './common.js';

/** A robot or BP-activity handler call (docs/bitrix24.md, "Robot and activity calls"). Properties are checked later against the declaration. */
export const robotCallBodySchema = z.object({
  workflow_id: nonEmptyString(128),
  code: nonEmptyString(128).regex(/^[a-z0-9.\-_]+$/i, 'must contain only letters, digits, ".", "-" and "_"'),
  document_id: documentTriple,
  document_type: documentTriple,
  event_token: nonEmptyString(),
  properties: looseRecord.optional().transform((properties) => properties ?? {}),
  use_subscription: z.enum(['Y', 'N'], { error: 'must be Y or N' }),
  timeout_duration: nonNegativeIntString,
  ts: nonNegativeIntString,
  auth: deliveryAuthSchema,
});

export type RobotCallBody = z.infer<typeof robotCallBodySchema>;
