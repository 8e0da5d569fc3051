import qs from 'qs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INSTALL_PATH } from '../../contracts/bitrix24-app.js';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { startCaptureServer } from '../emulator/helpers.js';
import { MEMBER_ID } from '../unit/api/fakes.js';
import { ingressForDocumentedBodies, ingressForPlacements, KNOWN_PORTAL_AUTH, type IngressUnderTest } from './support/app-acceptance.js';
import { inboundFacts, sharedShapes, type InboundFact } from './support/facts.js';
import { DELIVERY_SCENARIOS, type DeliveryContext } from './support/inbound-scenarios.js';
import { shapeMismatches } from './support/shape.js';

/**
 * What Bitrix24 POSTs to the app (test/conformance/facts/inbound.json): the emulator must send the documented shape,
 * and the real ingress must accept the docs' own example and route it.
 */
const shared = sharedShapes();
const facts = inboundFacts();
/** The docs' smart-process examples are about entityTypeId 1220: the test app treats it as its Claim type. */
const DOCS_SMART_PROCESS = 1220;

interface AppExpectation {
  route: string;
  /** Placement calls need the emulator behind the app (the page asks the portal who the user is). */
  app: 'ingress' | 'placements';
  /** The docs' example with the test portal's identity (and our robot's code) in place of the docs' sample values. */
  body(example: Record<string, unknown>, ctx: { portal: Bitrix24Emulator; accessToken: string; dealId: number }): Record<string, unknown>;
  /** What tells that the app took the call; each returned line is a problem. */
  accepted(answer: { status: number; json: unknown; text: string }, app: IngressUnderTest, example: Record<string, unknown>): string[];
}

function withKnownAuth(example: Record<string, unknown>): Record<string, unknown> {
  return { ...example, auth: { ...(example.auth as Record<string, unknown>), ...KNOWN_PORTAL_AUTH } };
}

function answered(status: number, expected: number): string[] {
  return status === expected ? [] : [`the app answered HTTP ${status}, not ${expected}`];
}

function routedToEntity(entityTypeId: (example: Record<string, unknown>) => number): AppExpectation {
  return {
    route: '/bitrix24/events',
    app: 'ingress',
    body: withKnownAuth,
    accepted: ({ status, json }, _app, example) => {
      const id = String(((example.data as Record<string, unknown>).FIELDS as Record<string, unknown>).ID);
      const workflowId = `entity/${MEMBER_ID}/${entityTypeId(example)}/${id}`;
      const routed = (json as { workflowId?: string } | undefined)?.workflowId === workflowId;
      return [...answered(status, 200), ...(routed ? [] : [`the app did not route it to ${workflowId}: ${JSON.stringify(json)}`])];
    },
  };
}

/** Handled somehow: a 200 that does not say "ignored". */
const handledEvent: AppExpectation = {
  route: '/bitrix24/events',
  app: 'ingress',
  body: withKnownAuth,
  accepted: ({ status, json }) => [
    ...answered(status, 200),
    ...((json as { status?: string } | undefined)?.status === 'ignored' ? ['the app acknowledged it but ignored it'] : []),
  ],
};

function installed(event: string): AppExpectation {
  return {
    route: INSTALL_PATH,
    app: 'ingress',
    body: withKnownAuth,
    accepted: ({ status }, app) => [
      ...answered(status, 200),
      ...(app.gateway.installs.some((install) => install.event === event) ? [] : [`the app did not pass ${event} on to provisioning`]),
    ],
  };
}

/**
 * ONAPPUNINSTALL goes where the app binds it, its install path (contracts/bitrix24-app.ts APP_LIFECYCLE_EVENTS): the
 * portal's credentials are forgotten and its background work stopped.
 */
const uninstalled: AppExpectation = {
  route: INSTALL_PATH,
  app: 'ingress',
  body: withKnownAuth,
  accepted: ({ status }, app) => [
    ...answered(status, 200),
    ...(app.gateway.uninstalls.includes(MEMBER_ID) ? [] : ['the app did not stop the portal\'s background work']),
  ],
};

const dealEvent = routedToEntity(() => 2);
const dynamicItemEvent = routedToEntity((example) => Number(((example.data as Record<string, unknown>).FIELDS as Record<string, unknown>).ENTITY_TYPE_ID));

const APP_EXPECTATIONS: Record<string, AppExpectation> = {
  'robot or BP activity handler call': {
    route: '/bitrix24/bizproc',
    app: 'ingress',
    // The code and properties are the app's own registration; the rest is the documented call.
    body: (example) => ({ ...withKnownAuth(example), code: GET_1C_PRICE.code, properties: { article: 'SKU-001' } }),
    accepted: ({ status }, app) => [
      ...answered(status, 200),
      ...(app.gateway.robotStarts.some((start) => start.call.robotCode === GET_1C_PRICE.code) ? [] : ['the app started no robot workflow']),
    ],
  },
  ONCRMDEALADD: dealEvent,
  ONCRMDEALUPDATE: dealEvent,
  ONCRMDEALDELETE: dealEvent,
  ONCRMDYNAMICITEMADD: dynamicItemEvent,
  ONCRMDYNAMICITEMUPDATE: dynamicItemEvent,
  ONCRMDYNAMICITEMDELETE: dynamicItemEvent,
  ONOFFLINEEVENT: handledEvent,
  ONAPPINSTALL: installed('ONAPPINSTALL'),
  ONAPPUPDATE: installed('ONAPPUPDATE'),
  ONAPPUNINSTALL: uninstalled,
  'placement call (CRM_DEAL_DETAIL_TAB)': {
    route: '/bitrix24/placements/runs',
    app: 'placements',
    body: (example, { portal, accessToken, dealId }) => ({
      ...example,
      DOMAIN: portal.domain,
      PROTOCOL: '0',
      AUTH_ID: accessToken,
      APPLICATION_TOKEN: portal.applicationToken,
      member_id: portal.memberId,
      PLACEMENT_OPTIONS: JSON.stringify({ ...(JSON.parse(String(example.PLACEMENT_OPTIONS)) as object), ID: String(dealId) }),
    }),
    accepted: ({ status, text }) => [...answered(status, 200), ...(text.includes('<html') ? [] : ['the app did not render the tab'])],
  },
};

let portal: Bitrix24Emulator;
let capture: Awaited<ReturnType<typeof startCaptureServer>>;
let deliveries: DeliveryContext;

async function adminToken(): Promise<string> {
  const { eventToken } = await portal.fireRobot(capture.url, { code: 'token_source', useSubscription: false });
  const auth = capture.requests.find((request) => request.form.event_token === eventToken)?.form.auth as Record<string, string> | undefined;
  if (!auth?.access_token) throw new Error('the robot call carried no access token');
  return auth.access_token;
}

beforeAll(async () => {
  portal = await startBitrix24Emulator({ rateLimit: false });
  capture = await startCaptureServer();
  deliveries = { portal, handlerUrl: capture.url, requests: capture.requests, appToken: adminToken };
});

afterAll(async () => {
  await portal?.close();
  await capture?.close();
});

beforeEach(() => {
  portal.reset();
  capture.requests.length = 0;
});

function source(fact: InboundFact): string {
  return `${fact.docs} (b24restdocs ${fact.commit.slice(0, 12)})`;
}

describe('calls Bitrix24 makes to the app', () => {
  it.each(facts)('the emulator sends $call as documented', async (fact) => {
    const scenario = DELIVERY_SCENARIOS[fact.call];
    expect(scenario, `no scenario makes the emulator send ${fact.call}`).toBeDefined();
    const delivery = await scenario!(deliveries);
    const problems = [
      ...shapeMismatches(delivery.form, fact.shape, shared, 'body'),
      ...(fact.query ? shapeMismatches(delivery.query, { ...(fact.query as object), '...': true }, shared, 'query') : []),
    ];
    expect(problems, [`${fact.call} as the emulator sends it differs from ${source(fact)}:`, ...problems].join('\n  ')).toEqual([]);
  });

  it.each(facts)('the app accepts and routes $call in the documented shape', async (fact) => {
    const expectation = APP_EXPECTATIONS[fact.call];
    expect(expectation, `no route is named for ${fact.call}`).toBeDefined();
    const ingress = expectation!.app === 'placements' ? await ingressForPlacements(portal) : await ingressForDocumentedBodies(DOCS_SMART_PROCESS);
    try {
      const dealId = Number(portal.state.addItem(2, { title: 'Docs deal' }).id);
      const body = expectation!.body(fact.example, { portal, accessToken: await adminToken(), dealId });
      const response = await ingress.app.inject({
        method: 'POST',
        url: expectation!.route,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: qs.stringify(body),
      });
      let json: unknown;
      try {
        json = response.json();
      } catch {
        json = undefined;
      }
      const problems = expectation!.accepted({ status: response.statusCode, json, text: response.body }, ingress, fact.example);
      const detail = problems.length > 0 ? `\n  answer: ${response.body.slice(0, 300)}` : '';
      expect(problems, [`${fact.call} from ${source(fact)} posted to ${expectation!.route}:`, ...problems].join('\n  ') + detail).toEqual([]);
    } finally {
      await ingress.close();
    }
  });
});
