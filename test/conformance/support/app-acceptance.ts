import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../../api/app.js';
import { createBitrix24Client, type Bitrix24Client } from '../../../integrations/bitrix24/client.js';
import { entityWorkflowId } from '../../../contracts/workflow-ids.js';
import type { Bitrix24Emulator } from '../../../emulators/bitrix24/index.js';
import { createEventRouteSource, findEventRoute, type EventRouteSource } from '../../../lib/crm-events/event-routes.js';
import { DOMAIN, FakeVerifier, InMemoryPortals, MEMBER_ID, RecordingGateway, SECRETS, storedPortal, testConfig } from '../../unit/api/fakes.js';
import { FakeRunsService } from '../../unit/api/placements-fakes.js';

/** Resolves event routes exactly like the Temporal gateway (the portal's route table) and records where they lead. */
export class RoutingGateway extends RecordingGateway {
  constructor(routes: EventRouteSource) {
    super();
    this.eventAnswer = async (delivery) => {
      const match = findEventRoute(await routes(delivery.memberId), delivery);
      return match ? { workflowId: entityWorkflowId(match.target.memberId, match.target.entityTypeId, match.target.entityId) } : null;
    };
  }
}

export interface IngressUnderTest {
  app: FastifyInstance;
  gateway: RoutingGateway;
  close(): Promise<void>;
}

/**
 * The real ingress (api/app.ts) with in-memory portals and a recording gateway. `claimEntityTypeId` makes the docs'
 * smart-process examples (entityTypeId 1220) a type the app routes.
 */
export async function ingressForDocumentedBodies(claimEntityTypeId: number): Promise<IngressUnderTest> {
  const config = testConfig({ CLAIM_ENTITY_TYPE_ID: String(claimEntityTypeId) });
  const portals = new InMemoryPortals();
  const gateway = new RoutingGateway(createEventRouteSource({ config, portals }));
  const app = await buildApp({ config, logger: { level: 'silent' }, portals, workflows: gateway, installVerifier: new FakeVerifier(), temporalHealth: async () => true });
  return { app, gateway, close: () => app.close() };
}

/** The ingress with the runs tab, whose portal is the emulator (placement calls are checked against it). */
export async function ingressForPlacements(portal: Bitrix24Emulator): Promise<IngressUnderTest & { bitrix24: Bitrix24Client }> {
  const bitrix24 = createBitrix24Client({
    store: new InMemoryPortals([]),
    webhookUrl: portal.webhookUrl(1),
    rateLimit: { perSecond: 1000, burst: 1000 },
    logger: pino({ level: 'silent' }),
  });
  const gateway = new RoutingGateway(async () => []);
  const app = await buildApp({
    config: testConfig({ PUBLIC_URL: 'http://127.0.0.1:3000' }),
    logger: { level: 'silent' },
    portals: new InMemoryPortals([
      storedPortal({ memberId: portal.memberId, domain: portal.domain, clientEndpoint: portal.clientEndpoint, applicationToken: portal.applicationToken }),
    ]),
    workflows: gateway,
    installVerifier: new FakeVerifier(),
    temporalHealth: async () => true,
    runsTab: { runs: new FakeRunsService([]), bitrix24, nowSeconds: () => Math.floor(Date.now() / 1000) },
  });
  return {
    app,
    gateway,
    bitrix24,
    close: async () => {
      await app.close();
      await bitrix24.close();
    },
  };
}

/** The identity of the portal the test app knows, put in place of the docs' sample portal. */
export const KNOWN_PORTAL_AUTH = {
  member_id: MEMBER_ID,
  application_token: SECRETS.applicationToken,
  domain: DOMAIN,
  client_endpoint: `https://${DOMAIN}/rest/`,
} as const;
