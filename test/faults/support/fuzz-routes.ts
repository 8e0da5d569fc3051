import { randomBytes } from 'node:crypto';
import { issuePageToken } from '../../../api/placements/page-token.js';
import { GET_1C_PRICE } from '../../../contracts/robot-declarations.js';
import type { Bitrix24Emulator } from '../../../emulators/bitrix24/index.js';
import { authBlock, eventBody, robotCallBody, type PortalIdentity } from './bitrix24-bodies.js';
import { defects, type FuzzRoute, type FuzzTemplate, type Outcome } from './fuzz-cases.js';

/** What the templates need from the running stack: real credentials and things that exist there. */
export interface FuzzWorld {
  apiUrl: string;
  emulator: Bitrix24Emulator;
  portal: PortalIdentity;
  apiKey: string;
  codecToken: string;
  webUiOrigin: string;
  pageTokenKey: Buffer;
  /** The deal the runs tab is opened on (its responsible person is the administrator, user 1). */
  tabDealId: number;
  /** A run on that deal. */
  tabWorkflowId: string;
  /** The deal external writes and CRM events name. */
  writeDealId: number;
  /** An external write that exists. */
  writeWorkflowId: string;
  /** A payload encrypted with the stack's key, in the codec's JSON. */
  encryptedPayload: { metadata: Record<string, string>; data: string };
}

const ADMIN = 1;
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Answers every body-taking route may give to what the body parser and the framework refuse. */
const UNREADABLE: readonly Outcome[] = [
  { status: 400, code: 'BAD_REQUEST' },
  { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
];
const INVALID: Outcome = { status: 400, code: 'VALIDATION_FAILED' };
const UNAUTHORIZED: Outcome = { status: 401, code: 'UNAUTHORIZED' };

function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

/** `use_subscription=N`: an authentic call nobody waits for is refused without answering the business process. */
function notWaiting(defect: (body: Record<string, unknown>) => void) {
  return (body: Record<string, unknown>) => {
    defect(body);
    body.use_subscription = 'N';
  };
}

function robotRoute(world: FuzzWorld): FuzzRoute {
  const template: FuzzTemplate = {
    name: 'robot call',
    credential: 'application-token',
    credentialPaths: [['auth', 'member_id'], ['auth', 'application_token']],
    build: () => ({
      path: '/bitrix24/bizproc',
      headers: {},
      body: robotCallBody(world.portal, { code: GET_1C_PRICE.code, properties: { article: 'SKU-001' }, dealId: world.writeDealId }),
      encodings: ['form', 'json'],
    }),
    defects: [
      ...['workflow_id', 'code', 'document_id', 'document_type', 'event_token', 'use_subscription', 'timeout_duration', 'ts'].map((field) => defects.remove([field])),
      // With use_subscription=Y an authentic call we cannot serve is answered through Bitrix24 (robotRefusalWorkflow).
      defects.remove(['properties', 'article']),
      notWaiting(defects.set(['code'], 'not_a_declared_robot')),
      defects.set(['code'], 'GET 1C PRICE'),
      defects.set(['use_subscription'], 'maybe'),
      defects.set(['timeout_duration'], '-1'),
      defects.set(['document_id'], ['crm', 'CCrmDocumentDeal']),
    ],
  };
  return {
    method: 'POST',
    url: '/bitrix24/bizproc',
    templates: [template],
    expected: [{ status: 200 }, ...UNREADABLE, INVALID, UNAUTHORIZED, { status: 404, code: 'UNKNOWN_ROBOT' }],
    weight: 2,
  };
}

function eventRoute(world: FuzzWorld): FuzzRoute {
  return {
    method: 'POST',
    url: '/bitrix24/events',
    templates: [
      {
        name: 'CRM event',
        credential: 'application-token',
        credentialPaths: [['auth', 'member_id'], ['auth', 'application_token']],
        build: () => ({
          path: '/bitrix24/events',
          headers: {},
          body: eventBody(world.portal, 'ONCRMDEALUPDATE', { FIELDS: { ID: String(world.writeDealId) } }),
          encodings: ['form', 'json'],
        }),
        defects: [
          defects.remove(['event']),
          defects.remove(['ts']),
          defects.set(['ts'], 'yesterday'),
          defects.set(['event'], ''),
          defects.set(['data'], 'not an object'),
        ],
      },
    ],
    expected: [{ status: 200 }, ...UNREADABLE, INVALID, UNAUTHORIZED],
    weight: 2,
  };
}

/**
 * The install URL: mostly the install form of an app with a UI with fresh tokens of the administrator (the portal is
 * installed, so a valid one only opens the app), sometimes the API-only callback with such tokens (a valid one
 * re-installs). The application token is never changed: a re-install with another one would be a real re-install.
 */
function installRoute(world: FuzzWorld): FuzzRoute {
  const installUrl = `${world.apiUrl}/bitrix24/install`;
  const form: FuzzTemplate = {
    name: 'install form',
    credential: 'install-tokens',
    credentialPaths: [['AUTH_ID'], ['REFRESH_ID'], ['member_id']],
    build: () => {
      const call = world.emulator.installForm(installUrl, { userId: ADMIN });
      return { path: pathOf(call.url), headers: {}, body: { ...call.body }, encodings: ['form'] };
    },
    defects: [
      defects.set(['PLACEMENT'], 'CRM_DEAL_DETAIL_TAB'),
      defects.remove(['SERVER_ENDPOINT']),
      defects.set(['SERVER_ENDPOINT'], 'https://evil.example/rest/'),
      defects.set(['status'], 'x'.repeat(40)),
      defects.set(['AUTH_EXPIRES'], '-5'),
    ],
    weight: 3,
  };
  const callback: FuzzTemplate = {
    name: 'install callback',
    credential: 'install-tokens',
    credentialPaths: [['auth', 'access_token'], ['auth', 'refresh_token'], ['auth', 'member_id'], ['auth', 'application_token']],
    spoilPaths: [['auth', 'access_token'], ['auth', 'refresh_token'], ['auth', 'member_id']],
    build: () => {
      const pair = world.emulator.installForm(installUrl, { userId: ADMIN }).body;
      const auth = { ...authBlock(world.portal, { withRefreshToken: true }), access_token: pair.AUTH_ID ?? '', refresh_token: pair.REFRESH_ID ?? '' };
      return {
        path: '/bitrix24/install',
        headers: {},
        body: { event: 'ONAPPINSTALL', data: { VERSION: '1', ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'en' }, ts: String(Math.floor(Date.now() / 1000)), auth },
        encodings: ['form', 'json'],
      };
    },
    defects: [
      defects.remove(['auth', 'domain']),
      defects.set(['auth', 'client_endpoint'], 'http://169.254.169.254/latest/'),
      defects.set(['auth', 'server_endpoint'], 'https://evil.example/rest/'),
      defects.set(['auth', 'domain'], 'evil.example.com'),
      defects.set(['event'], 'ONAPPINSTALLED'),
    ],
  };
  return {
    method: 'POST',
    url: '/bitrix24/install',
    templates: [form, callback],
    expected: [
      { status: 200 },
      ...UNREADABLE,
      INVALID,
      { status: 400, code: 'INVALID_ENDPOINT' },
      UNAUTHORIZED,
      { status: 403, code: 'DOMAIN_NOT_ALLOWED' },
      { status: 403, code: 'INSTALL_FORBIDDEN' },
    ],
    weight: 1.5,
  };
}

/** A fresh access token of the administrator, as the portal puts into the widget it opens for them. */
function userToken(world: FuzzWorld): string {
  return world.emulator.placementCall(`${world.apiUrl}/bitrix24/placements/runs`, { placement: 'CRM_DEAL_DETAIL_TAB', userId: ADMIN }).body.AUTH_ID ?? '';
}

function runsTabRoutes(world: FuzzWorld): FuzzRoute[] {
  const handler = `${world.apiUrl}/bitrix24/placements/runs`;
  const refusals: Outcome[] = [
    ...UNREADABLE,
    INVALID,
    UNAUTHORIZED,
    { status: 401, code: 'PAGE_EXPIRED' },
    { status: 403, code: 'FORBIDDEN' },
    { status: 404, code: 'NOT_FOUND', message: /does not exist|does not belong/ },
  ];
  const open: FuzzRoute = {
    method: 'POST',
    url: '/bitrix24/placements/runs',
    templates: [
      {
        name: 'placement call',
        credential: 'placement-call',
        credentialPaths: [['member_id'], ['APPLICATION_TOKEN'], ['AUTH_ID']],
        build: () => {
          const call = world.emulator.placementCall(handler, { placement: 'CRM_DEAL_DETAIL_TAB', options: { ID: String(world.tabDealId) }, userId: ADMIN });
          return { path: pathOf(call.url), headers: {}, body: { ...call.body }, encodings: ['form', 'json'] };
        },
        defects: [
          defects.remove(['PLACEMENT']),
          defects.set(['PLACEMENT'], 'NOT_A_PLACEMENT'),
          defects.set(['PLACEMENT_OPTIONS'], '{}'),
          defects.set(['PLACEMENT_OPTIONS'], '{"ID":'),
          defects.set(['PLACEMENT_OPTIONS'], '{"ID":"999999"}'),
        ],
      },
    ],
    expected: [{ status: 200 }, ...refusals],
    weight: 1.5,
  };
  const action = (suffix: 'view' | 'retry' | 'terminate'): FuzzRoute => ({
    method: 'POST',
    url: `/bitrix24/placements/runs/${suffix}`,
    templates: [
      {
        name: `page ${suffix}`,
        credential: 'page-token',
        credentialPaths: [['token']],
        build: () => ({
          path: `/bitrix24/placements/runs/${suffix}`,
          headers: {},
          body: {
            token: issuePageToken(world.pageTokenKey, {
              memberId: world.portal.memberId,
              userId: ADMIN,
              entityTypeId: 2,
              itemId: world.tabDealId,
              expiresAt: Math.floor(Date.now() / 1000) + 900,
              userAuth: userToken(world),
            }),
            workflowId: world.tabWorkflowId,
          },
          encodings: ['form', 'json'],
        }),
        defects: [
          defects.remove(['workflowId']),
          defects.set(['workflowId'], 'no/such/workflow'),
          defects.set(['workflowId'], `robot/${GET_1C_PRICE.code}/${world.portal.memberId}/${randomBytes(8).toString('hex')}`),
          defects.set(['runId'], 'an-older-run'),
          defects.set(['workflowId'], 'x'.repeat(600)),
        ],
      },
    ],
    expected: [{ status: 200 }, ...refusals, { status: 409, code: 'CONFLICT' }],
  });
  return [open, action('view'), action('retry'), action('terminate')];
}

function externalApiRoutes(world: FuzzWorld): FuzzRoute[] {
  const headers = () => ({ 'x-api-key': world.apiKey });
  const items: FuzzRoute = {
    method: 'POST',
    url: '/api/v1/items',
    templates: [
      {
        name: 'external write',
        credential: 'api-key',
        credentialHeader: 'x-api-key',
        build: () => ({
          path: '/api/v1/items',
          headers: headers(),
          body: { idempotencyKey: `fuzz-${randomBytes(6).toString('hex')}`, memberId: world.portal.memberId, entityTypeId: 2, id: world.writeDealId, fields: { comments: 'fuzz' } },
          encodings: ['json', 'form'],
        }),
        defects: [
          defects.remove(['idempotencyKey']),
          defects.remove(['entityTypeId']),
          defects.remove(['fields']),
          defects.set(['fields'], {}),
          defects.set(['entityTypeId'], '2'),
          defects.set(['idempotencyKey'], '../../etc/passwd'),
          defects.set(['memberId'], 'another-portal'),
          defects.set(['unexpected'], true),
        ],
      },
    ],
    expected: [{ status: 202 }, ...UNREADABLE, INVALID, UNAUTHORIZED, { status: 403, code: 'PORTAL_NOT_ALLOWED' }, { status: 409, code: 'CONFLICT' }],
  };
  const runs = (method: 'GET' | 'HEAD'): FuzzRoute => ({
    method,
    url: '/api/v1/runs/*',
    templates: [{ name: 'write status', credential: 'api-key', credentialHeader: 'x-api-key', build: () => ({ path: `/api/v1/runs/${world.writeWorkflowId}`, headers: headers() }) }],
    expected: [{ status: 200 }, UNAUTHORIZED, { status: 404, code: 'NOT_FOUND', message: /no external write run/ }],
    weight: method === 'HEAD' ? 0.3 : 0.7,
  });
  return [items, runs('GET'), runs('HEAD')];
}

function codecRoutes(world: FuzzWorld): FuzzRoute[] {
  const route = (name: 'decode' | 'encode'): FuzzRoute => ({
    method: 'POST',
    url: `/codec/${name}`,
    templates: [
      {
        name: `codec ${name}`,
        credential: 'codec-token',
        credentialHeader: 'authorization',
        build: () => ({
          path: `/codec/${name}`,
          headers: { authorization: `Bearer ${world.codecToken}`, 'x-namespace': 'default' },
          body: {
            payloads:
              name === 'decode'
                ? [structuredClone(world.encryptedPayload)]
                : [{ metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify({ fuzz: randomBytes(4).toString('hex') })) }],
          },
          encodings: ['json'],
        }),
        defects: [
          defects.set(['payloads'], 'x'),
          defects.set(['payloads', '0', 'data'], 'not base64!'),
          defects.set(['payloads', '0', 'metadata'], { 'bad key!': 'x' }),
          defects.set(['payloads', '0', 'metadata', 'encoding'], b64('binary/encrypted')),
          defects.remove(['payloads']),
        ],
      },
    ],
    expected: [
      { status: 200 },
      ...UNREADABLE,
      INVALID,
      UNAUTHORIZED,
      { status: 400, code: 'NAMESPACE_NOT_SERVED' },
      { status: 400, code: 'PAYLOAD_NOT_DECODABLE' },
    ],
    weight: 0.7,
  });
  const preflight: FuzzRoute = {
    method: 'OPTIONS',
    url: '/codec*',
    templates: [
      {
        name: 'CORS preflight',
        credential: 'none',
        build: () => ({ path: '/codec/decode', headers: { origin: world.webUiOrigin, 'access-control-request-method': 'POST' } }),
      },
    ],
    // A preflight from an origin the codec does not serve finds no route (@fastify/cors hands it to the 404).
    expected: [{ status: 204 }, { status: 400, message: /Invalid Preflight Request/ }, { status: 404, code: 'NOT_FOUND' }],
    weight: 0.3,
  };
  return [route('decode'), route('encode'), preflight];
}

function healthRoutes(): FuzzRoute[] {
  return ['/healthz', '/readyz'].flatMap((url) =>
    (['GET', 'HEAD'] as const).map((method) => ({
      method,
      url,
      templates: [{ name: `probe ${url}`, credential: 'none' as const, build: () => ({ path: url, headers: {} }) }],
      // Readiness answers 503 when Temporal does not answer within its second: its documented answer, not a failure.
      expected: [{ status: 200 }, ...(url === '/readyz' ? [{ status: 503, code: 'NOT_READY' }] : [])],
      weight: 0.15,
    })),
  );
}

/** A fuzz profile for each route of the app; the test fails for a route that has none. */
export function fuzzRoutes(world: FuzzWorld): FuzzRoute[] {
  return [
    robotRoute(world),
    eventRoute(world),
    installRoute(world),
    ...runsTabRoutes(world),
    ...externalApiRoutes(world),
    ...codecRoutes(world),
    ...healthRoutes(),
  ];
}
