import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_DRAIN_WORKFLOW_TYPE } from '../../contracts/offline-drain.js';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { eventTokenKey, robotWorkflowId } from '../../contracts/workflow-ids.js';
import type { Stack } from '../support/stack.js';
import { eventBody, installBody, placementBody, portalIdentity, robotCallBody } from './support/bitrix24-bodies.js';
import { startFaultStack, waitFor } from './support/fault-stack.js';
import { defects, fuzzCase, type FuzzCase, type FuzzRoute } from './support/fuzz-cases.js';
import { createPrng } from './support/prng.js';

/** Change the seed to explore; a failure message names the seed and the case index that reproduce it. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_707);
const CASES = 1_000;
const IN_FLIGHT = 8;
const API_KEY = randomBytes(24).toString('hex');

let stack: Stack;

beforeAll(async () => {
  stack = await startFaultStack({
    // The portal's own limits are not under test: a 503 from it would become a legitimate 502 of the runs tab.
    emulator: { rateLimit: false },
    env: { EXTERNAL_API_KEY: API_KEY, OFFLINE_DRAIN_INTERVAL_SECONDS: '3600', LOG_LEVEL: 'warn' },
  });
});

afterAll(async () => {
  await stack?.stop();
});

function notWaiting(defect: (body: Record<string, unknown>) => void) {
  return (body: Record<string, unknown>) => {
    defect(body);
    body.use_subscription = 'N';
  };
}

function routes(): FuzzRoute[] {
  const portal = portalIdentity(stack.emulator);
  const pageAction = (suffix: string): FuzzRoute => ({
    path: `/bitrix24/placements/runs${suffix}`,
    credential: 'page-token',
    template: () => ({ token: randomBytes(48).toString('base64url'), workflowId: 'robot/GET_1C_PRICE/x/y', runId: randomBytes(16).toString('hex') }),
    invalidWithRightCredentials: [defects.remove(['token']), defects.set(['token'], '')],
  });
  return [
    {
      path: '/bitrix24/bizproc',
      credential: 'application-token',
      template: () => robotCallBody(portal, { code: GET_1C_PRICE.code, properties: { article: 'SKU-001' } }),
      invalidWithRightCredentials: [
        ...['workflow_id', 'code', 'document_id', 'document_type', 'event_token', 'use_subscription', 'timeout_duration', 'ts'].map((field) =>
          defects.remove([field]),
        ),
        // With use_subscription=Y an authentic call we cannot serve is answered through Bitrix24 (robotRefusalWorkflow,
        // proven end to end in test/e2e/app-lifecycle.e2e.test.ts); with N nothing waits, so nothing may start.
        notWaiting(defects.remove(['properties', 'article'])),
        notWaiting(defects.set(['code'], 'not_a_declared_robot')),
        defects.set(['code'], 'GET 1C PRICE'),
        defects.set(['use_subscription'], 'maybe'),
        defects.set(['timeout_duration'], '-1'),
        defects.set(['document_id'], ['crm', 'CCrmDocumentDeal']),
      ],
    },
    {
      path: '/bitrix24/events',
      credential: 'application-token',
      template: () => eventBody(portal, 'ONCRMDEALUPDATE', { FIELDS: { ID: '1' } }),
      invalidWithRightCredentials: [
        defects.remove(['event']),
        defects.remove(['ts']),
        defects.set(['ts'], 'yesterday'),
        defects.set(['event'], ''),
        defects.set(['data'], 'not an object'),
      ],
    },
    {
      path: '/bitrix24/install',
      credential: 'install',
      template: () => installBody(portal),
      invalidWithRightCredentials: [defects.remove(['auth', 'access_token']), defects.remove(['auth', 'refresh_token']), defects.remove(['event'])],
    },
    {
      path: '/api/v1/items',
      credential: 'api-key',
      template: () => ({ idempotencyKey: `fuzz-${randomBytes(6).toString('hex')}`, memberId: portal.memberId, entityTypeId: 2, id: 1, fields: { title: 'x' } }),
      invalidWithRightCredentials: [
        defects.remove(['idempotencyKey']),
        defects.remove(['entityTypeId']),
        defects.remove(['fields']),
        defects.set(['fields'], {}),
        defects.set(['entityTypeId'], '2'),
        defects.set(['idempotencyKey'], '../../etc/passwd'),
        defects.set(['unexpected'], true),
      ],
    },
    {
      path: '/bitrix24/placements/runs',
      credential: 'placement-token',
      template: () => placementBody(portal, 1),
      invalidWithRightCredentials: [
        defects.remove(['AUTH_ID']),
        defects.remove(['PLACEMENT']),
        defects.set(['PLACEMENT'], 'NOT_A_PLACEMENT'),
        defects.set(['PLACEMENT_OPTIONS'], '{}'),
        defects.set(['PLACEMENT_OPTIONS'], '{"ID":'),
        // The user's own token is checked by the portal: a made-up one is a 401 there.
        defects.set(['AUTH_ID'], 'made-up-user-token'),
      ],
    },
    pageAction('/view'),
    pageAction('/retry'),
    pageAction('/terminate'),
  ];
}

async function ingressRuns(): Promise<number> {
  const { count } = await stack.temporal.client.workflow.count(`WorkflowType != '${OFFLINE_DRAIN_WORKFLOW_TYPE}'`);
  return count;
}

describe(`a thousand fuzzed bodies against every ingress route (seed ${SEED})`, () => {
  it('are all refused with a 4xx, and none starts a run', async () => {
    const before = await ingressRuns();
    const prng = createPrng(SEED);
    const context = { routes: routes(), apiKey: API_KEY };
    const cases: FuzzCase[] = Array.from({ length: CASES }, (_, index) => fuzzCase(index, context, prng));
    const pool = new Pool(stack.apiUrl, { connections: IN_FLIGHT });
    const outcomes: { fuzz: FuzzCase; status: number; answer: string }[] = [];
    let next = 0;
    const slot = async () => {
      for (let index = next++; index < cases.length; index = next++) {
        const fuzz = cases[index] as FuzzCase;
        const response = await pool.request({ method: 'POST', path: fuzz.path, headers: fuzz.headers, body: fuzz.body });
        outcomes.push({ fuzz, status: response.statusCode, answer: (await response.body.text()).slice(0, 200) });
      }
    };
    try {
      await Promise.all(Array.from({ length: IN_FLIGHT }, slot));
    } finally {
      await pool.close();
    }

    const wrong = outcomes
      .filter(({ status }) => status < 400 || status > 499)
      .map(({ fuzz, status, answer }) => `seed ${SEED} case ${fuzz.index} (${fuzz.kind} → ${fuzz.path}): ${status} ${answer}`);
    expect(wrong).toEqual([]);
    const routesHit = new Set(outcomes.map(({ fuzz }) => fuzz.path));
    expect(routesHit.size).toBe(context.routes.length);
    const kinds = new Set(outcomes.map(({ fuzz }) => fuzz.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(8);

    // A control run through the same API: once visibility shows it, it shows everything started before it.
    const control = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, { code: GET_1C_PRICE.code, properties: { article: 'SKU-001' } });
    expect(control.status).toBe(200);
    const controlId = robotWorkflowId(stack.emulator.memberId, GET_1C_PRICE.code, eventTokenKey(control.eventToken));
    await waitFor(async () => (await stack.temporal.client.workflow.count(`WorkflowId = '${controlId}'`)).count === 1, 'the control run in visibility');
    expect(await ingressRuns()).toBe(before + 1);
  });
});
