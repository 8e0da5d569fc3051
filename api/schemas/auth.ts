import { z } from 'zod';
import { nonEmptyString } from './common.js';

/**
 * The `auth` block Bitrix24 appends to every delivery (docs/bitrix24.md: robot calls and CRM events). Only the sender's identity
 * is required: outgoing-webhook and robot-triggered deliveries carry no OAuth tokens.
 */
export const deliveryAuthSchema = z.object(
  {
    member_id: nonEmptyString(128),
    domain: nonEmptyString(261),
    application_token: nonEmptyString(),
    access_token: z.string().optional(),
    refresh_token: z.string().optional(),
    expires: z.union([z.string(), z.number()]).optional(),
    expires_in: z.union([z.string(), z.number()]).optional(),
    scope: z.string().optional(),
    server_endpoint: z.string().optional(),
    client_endpoint: z.string().optional(),
    status: z.string().optional(),
    user_id: z.union([z.string(), z.number()]).optional(),
  },
  { error: 'must be an object' },
);

export type DeliveryAuth = z.infer<typeof deliveryAuthSchema>;

/** ONAPPINSTALL / ONAPPUPDATE must carry the portal's tokens and endpoints: they are what gets stored. */
export const installAuthSchema = deliveryAuthSchema.extend({
  access_token: nonEmptyString(),
  refresh_token: nonEmptyString(),
  client_endpoint: nonEmptyString(2048),
  server_endpoint: nonEmptyString(2048),
});

export type InstallAuth = z.infer<typeof installAuthSchema>;
