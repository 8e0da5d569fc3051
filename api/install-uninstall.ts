import type { FastifyBaseLogger } from 'fastify';
import type { IngressServices } from './deps.js';
import type { z } from 'zod';
import type { uninstallBodySchema } from './schemas/install.js';
import { verifySender } from './sender-verification.js';

/**
 * ONAPPUNINSTALL: no tokens come with it, so the stored application_token is the only proof
 * (b24restdocs api-reference/events/safe-event-handlers.md). The portal's credentials are forgotten, then the stop of
 * its background work is recorded (portalTeardownWorkflow); later deliveries from it get 401 and start nothing.
 */
export async function handleUninstall(
  services: IngressServices,
  body: z.infer<typeof uninstallBodySchema>,
  log: FastifyBaseLogger,
) {
  const { auth } = body;
  await verifySender(services.portals, auth, log);
  const forgotten = await services.portals.uninstall(auth.member_id);
  const teardown = await services.workflows.onPortalUninstalled(auth.member_id);
  log.info(
    { audit: 'app-uninstall', memberId: auth.member_id, domain: auth.domain, forgotten, clean: body.data.CLEAN, teardown: teardown.workflowId },
    'audit: app uninstalled; credentials forgotten',
  );
  return { status: 'uninstalled', memberId: auth.member_id };
}
