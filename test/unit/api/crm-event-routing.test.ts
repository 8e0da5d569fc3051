import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createEventRouteSource,
  crmEventRoutes,
  findEventRoute,
  toEntityChange,
  type CrmEvent,
  type EventRouteSource,
} from '../../../lib/crm-events/event-routes.js';
import type { PortalSettings } from '../../../contracts/portal.js';
import { buildApp } from '../../../api/app.js';
import { entityWorkflowId } from '../../../contracts/workflow-ids.js';
import { DOMAIN, eventBody, FakeVerifier, InMemoryPortals, MEMBER_ID, postForm, RecordingGateway, testConfig } from './fakes.js';
import type { FastifyInstance } from 'fastify';

function event(name: string, fields: Record<string, unknown>, source?: CrmEvent['source']): CrmEvent {
  return { memberId: MEMBER_ID, domain: DOMAIN, event: name, eventHandlerId: '1', data: { FIELDS: fields }, ts: 1736405807, ...(source ? { source } : {}) };
}

/** A portal store whose provisioning record names the Claim type. */
class ProvisionedPortals extends InMemoryPortals {
  constructor(private readonly recorded: PortalSettings) {
    super();
  }
  override async settings(): Promise<PortalSettings> {
    return this.recorded;
  }
}

describe('CRM event route table', () => {
  const routes = crmEventRoutes({ claimEntityTypeId: 147 });

  it.each([
    ['ONCRMDEALUPDATE', { ID: '759' }, 'deal-products', 2],
    ['ONCRMDEALDELETE', { ID: '759' }, 'deal-products', 2],
    ['ONCRMDYNAMICITEMADD', { ID: '3', ENTITY_TYPE_ID: '31' }, 'invoice-total', 31],
    ['ONCRMDYNAMICITEMUPDATE_31', { ID: '3', ENTITY_TYPE_ID: '31' }, 'invoice-total', 31],
    ['ONCRMDYNAMICITEMADD_147', { ID: '5', ENTITY_TYPE_ID: '147' }, 'claim-intake', 147],
    ['ONCRMDYNAMICITEMDELETE', { ID: '5', ENTITY_TYPE_ID: '147' }, 'claim-intake', 147],
  ])('%s %j goes to %s', (name, fields, process, entityTypeId) => {
    const match = findEventRoute(routes, event(name, fields));
    expect(match?.route.process).toBe(process);
    expect(match?.target.entityTypeId).toBe(entityTypeId);
    expect(match?.route.startArgs(match.target)).toEqual([
      { memberId: MEMBER_ID, entityTypeId, entityId: Number(fields.ID), process },
    ]);
  });

  it('ignores smart processes nobody routes, and the Claim type when the portal has none', () => {
    expect(findEventRoute(routes, event('ONCRMDYNAMICITEMADD', { ID: '5', ENTITY_TYPE_ID: '190' }))).toBeNull();
    expect(findEventRoute(routes, event('ONCRMDYNAMICITEMADD_190', { ID: '5' }))).toBeNull();
    expect(findEventRoute(crmEventRoutes({}), event('ONCRMDYNAMICITEMADD_147', { ID: '5' }))).toBeNull();
    expect(findEventRoute(routes, event('ONCRMLEADADD', { ID: '5' }))).toBeNull();
  });

  it('turns a delivery into the change the entity workflow queues, with no auth and its source', () => {
    expect(toEntityChange(event('ONCRMDYNAMICITEMUPDATE_147', { ID: '5' }))).toEqual({
      kind: 'update',
      event: 'ONCRMDYNAMICITEMUPDATE_147',
      ts: 1736405807,
      source: 'online',
    });
    expect(toEntityChange(event('ONCRMDEALDELETE', { ID: '5' }, 'offline'))).toMatchObject({ kind: 'delete', source: 'offline' });
  });

  it('takes the Claim type from configuration first, else from what provisioning recorded', async () => {
    const recorded = new ProvisionedPortals({ claimEntityTypeId: 180 });
    const fromSettings = await createEventRouteSource({ config: {}, portals: recorded })(MEMBER_ID);
    const overridden = await createEventRouteSource({ config: { CLAIM_ENTITY_TYPE_ID: 147 }, portals: recorded })(MEMBER_ID);
    expect(findEventRoute(fromSettings, event('ONCRMDYNAMICITEMADD_180', { ID: '1' }))?.route.process).toBe('claim-intake');
    expect(findEventRoute(overridden, event('ONCRMDYNAMICITEMADD_180', { ID: '1' }))).toBeNull();
    expect(findEventRoute(overridden, event('ONCRMDYNAMICITEMADD_147', { ID: '1' }))?.route.process).toBe('claim-intake');
  });
});

/** A gateway that resolves routes exactly like the Temporal one and records what it would signal. */
class RoutingGateway extends RecordingGateway {
  readonly signals: { workflowId: string; process: string; args: unknown[] }[] = [];
  constructor(routes: EventRouteSource) {
    super();
    this.eventAnswer = async (delivery) => {
      const match = findEventRoute(await routes(delivery.memberId), delivery);
      if (!match) return null;
      const workflowId = entityWorkflowId(match.target.memberId, match.target.entityTypeId, match.target.entityId);
      this.signals.push({ workflowId, process: match.route.process, args: match.route.signalArgs(delivery, match.target) });
      return { workflowId };
    };
  }
}

describe('POST /bitrix24/events routing (app.inject)', () => {
  let app: FastifyInstance;
  let gateway: RoutingGateway;
  beforeEach(async () => {
    const config = testConfig({ CLAIM_ENTITY_TYPE_ID: '147' });
    const portals = new InMemoryPortals();
    gateway = new RoutingGateway(createEventRouteSource({ config, portals }));
    app = await buildApp({
      config,
      logger: { level: 'silent' },
      portals,
      workflows: gateway,
      installVerifier: new FakeVerifier(),
      temporalHealth: async () => true,
    });
  });
  afterEach(async () => {
    await app.close();
  });

  it('a base dynamic-item event is routed by data[FIELDS][ENTITY_TYPE_ID]', async () => {
    const body = eventBody({ event: 'ONCRMDYNAMICITEMUPDATE', 'data[FIELDS][ID]': '42', 'data[FIELDS][ENTITY_TYPE_ID]': '31' });
    const response = await postForm(app, '/bitrix24/events', body);
    expect(response.json()).toEqual({ status: 'accepted', workflowId: `entity/${MEMBER_ID}/31/42` });
    expect(gateway.signals[0]).toMatchObject({ process: 'invoice-total', args: [{ kind: 'update', source: 'online' }] });
  });

  it('a suffixed event is routed by its suffix', async () => {
    const body = eventBody({ event: 'ONCRMDYNAMICITEMADD_147', 'data[FIELDS][ID]': '9', 'data[FIELDS][ENTITY_TYPE_ID]': '147' });
    const response = await postForm(app, '/bitrix24/events', body);
    expect(response.json()).toEqual({ status: 'accepted', workflowId: `entity/${MEMBER_ID}/147/9` });
    expect(gateway.signals[0]).toMatchObject({ process: 'claim-intake', args: [{ kind: 'add', event: 'ONCRMDYNAMICITEMADD_147' }] });
  });

  it('a deal event goes to the product sync', async () => {
    const response = await postForm(app, '/bitrix24/events', eventBody({ event: 'ONCRMDEALDELETE' }));
    expect(response.json()).toEqual({ status: 'accepted', workflowId: `entity/${MEMBER_ID}/2/759` });
    expect(gateway.signals[0]).toMatchObject({ process: 'deal-products', args: [{ kind: 'delete' }] });
  });

  it('an unknown entity type is acknowledged and ignored', async () => {
    const body = eventBody({ event: 'ONCRMDYNAMICITEMUPDATE', 'data[FIELDS][ID]': '42', 'data[FIELDS][ENTITY_TYPE_ID]': '190' });
    const response = await postForm(app, '/bitrix24/events', body);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ignored' });
    expect(gateway.signals).toEqual([]);
  });
});
