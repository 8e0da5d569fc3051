import { z } from 'zod';

const positiveInt = z.number({ error: 'must be a positive integer' }).int('must be a positive integer').positive('must be a positive integer');

/** POST /api/v1/items. The key becomes part of a workflow id (plaintext everywhere), hence the narrow alphabet. */
export const externalWriteBodySchema = z.strictObject({
  idempotencyKey: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -'),
  /** The portal; omitted means the one behind B24_WEBHOOK_URL. */
  memberId: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ -').optional(),
  entityTypeId: positiveInt,
  id: positiveInt.optional(),
  fields: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, 'field names are camelCase identifiers'), z.unknown(), { error: 'must be an object' })
    .refine((fields) => Object.keys(fields).length > 0, 'must name at least one field'),
});

export type ExternalWriteBody = z.infer<typeof externalWriteBodySchema>;
