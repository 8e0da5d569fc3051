import { z } from 'zod';
import { nonEmptyString } from '../../schemas/common.js';

/** The identity part of a placement call: without it nothing can be verified, so its absence is a 401. */
export const placementSenderSchema = z.object({
  member_id: nonEmptyString(128),
  APPLICATION_TOKEN: nonEmptyString(),
});

/** The rest of the placement call (b24restdocs api-reference/widgets/_includes/widget_data.md); refresh token and expiry are not needed and not kept. */
export const placementCallSchema = z.object({
  AUTH_ID: nonEmptyString(512),
  PLACEMENT: nonEmptyString(128),
  PLACEMENT_OPTIONS: z.string().max(8192, 'must be at most 8192 characters').default('{}'),
});

/** What the page's buttons send back: the signed page token, and for actions the run they act on. */
export const pageActionSchema = z.object({
  token: nonEmptyString(2048),
  workflowId: nonEmptyString(512).optional(),
  runId: z.string().max(128).optional(),
});

export type PageAction = z.infer<typeof pageActionSchema>;
