import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRoute } from '../../../lib/crm-events/event-routes.js';
import { buildApp } from '../../../api/app.js';
import { createTemporalHealthCheck } from '../../../api/temporal-health.js';
import { TEMPORAL_DEADLINE_MS, TemporalUnavailableError, TemporalWorkflowGateway } from '../../../api/workflow-gateway.js';
import type { RobotCall } from '../../../contracts/robot-call.js';
import { GET_1C_PRICE } from '../../../contracts/robot-declarations.js';
import { SA_DOCUMENT, SA_OUTCOME, SA_PORTAL, SA_PROCESS, SA_ROBOT_CODE } from '../../../contracts/search-attributes.js';
import { createDataConverter } from '../../../lib/data-converter.js';
import { createLocalEnv } from '../../support/temporal-binaries.js';
import {
  EVENT_TOKEN,
  EVENT_TOKEN_SIGNATURE,
  FakeVerifier,
  InMemoryPortals,
  MEMBER_ID,
  postForm,
  robotCallBody,
  testConfig,
} from './fakes.js';

const TASK_QUEUE = 'api-gateway-test';
const silent = pino({ level: 'silent' });

function robotCall(eventToken: string): RobotCall {
  return {
    memberId: MEMBER_ID,
    domain: 'example.bitrix24.com',
    robotCode: GET_1C_PRICE.code,
    bizprocWorkflowId: '55c1dc1c3f0d75.78875596',
    documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_759'],
    documentType: ['crm', 'CCrmDocumentDeal', 'DEAL'],
    eventToken,
    properties: { article: 'SKU-100' },
    useSubscription: true,
    timeoutDuration: 3600,
    ts: 1736405807,
  };
}

/** Nobody polls the task queue in these tests: started workflows simply stay running, which is all the gateway promises. */
describe('TemporalWorkflowGateway on a real dev server', () => {
  let env: TestWorkflowEnvironment;
  let gateway: TemporalWorkflowGateway;

  beforeAll(async () => {
    env = await createLocalEnv({ dataConverter: createDataConverter(testConfig().PAYLOAD_CODEC_KEY) });
    gateway = new TemporalWorkflowGateway({ client: env.client, taskQueue: TASK_QUEUE, logger: silent });
  }, 120_000);
  afterAll(async () => {
    await env?.teardown();
  });

  it('starts the robot workflow under its business key with search attributes and a summary', async () => {
    const result = await gateway.startRobot(GET_1C_PRICE, robotCall(EVENT_TOKEN));
    const expectedId = `robot/GET_1C_PRICE/${MEMBER_ID}/55c1dc1c3f0d75.78875596_A51601_82584_96831_81132_hsyUws1j4XiwqPqN45eH66CcQtEvpUIP`;
    expect(result).toEqual({ workflowId: expectedId, duplicate: false });
    expect(result.workflowId).not.toContain(EVENT_TOKEN_SIGNATURE);

    const description = await env.client.workflow.getHandle(expectedId).describe();
    expect(description.type).toBe('get1cPriceWorkflow');
    expect(description.taskQueue).toBe(TASK_QUEUE);
    expect(description.typedSearchAttributes.get(SA_PORTAL)).toBe(MEMBER_ID);
    expect(description.typedSearchAttributes.get(SA_DOCUMENT)).toBe('DEAL_759');
    expect(description.typedSearchAttributes.get(SA_PROCESS)).toBe('1c-price');
    expect(description.typedSearchAttributes.get(SA_ROBOT_CODE)).toBe('GET_1C_PRICE');
    expect(description.typedSearchAttributes.get(SA_OUTCOME)).toBe('running');
    expect(await description.staticSummary()).toBe('Deal 759 · Price from 1C');
  });

  it('stores the call encrypted: the event token is not plaintext in the history', async () => {
    const token = `${EVENT_TOKEN}-encrypted-check`;
    const { workflowId } = await gateway.startRobot(GET_1C_PRICE, robotCall(token));
    const history = await env.client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId },
    });
    const input = history.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(new TextDecoder().decode(input?.metadata?.encoding ?? new Uint8Array())).toBe('binary/encrypted');
    expect(Buffer.from(input?.data ?? new Uint8Array()).toString('latin1')).not.toContain(EVENT_TOKEN_SIGNATURE);
  });

  it('a re-delivery while the run is open returns the same workflow and starts no second run', async () => {
    const token = `${EVENT_TOKEN}-redelivered`.replace('A51601', 'A51602');
    const first = await gateway.startRobot(GET_1C_PRICE, robotCall(token));
    const firstRun = (await env.client.workflow.getHandle(first.workflowId).describe()).runId;
    const second = await gateway.startRobot(GET_1C_PRICE, robotCall(token));
    expect(second.workflowId).toBe(first.workflowId);
    expect((await env.client.workflow.getHandle(first.workflowId).describe()).runId).toBe(firstRun);
  });

  it('a re-delivery after the run closed is reported as a duplicate and starts nothing', async () => {
    const token = EVENT_TOKEN.replace('A51601', 'A51603');
    const { workflowId } = await gateway.startRobot(GET_1C_PRICE, robotCall(token));
    const handle = env.client.workflow.getHandle(workflowId);
    const closedRun = (await handle.describe()).runId;
    await handle.terminate('test closes the run');

    await expect(gateway.startRobot(GET_1C_PRICE, robotCall(token))).resolves.toEqual({ workflowId, duplicate: true });
    const after = await handle.describe();
    expect(after.runId).toBe(closedRun);
    expect(after.status.name).toBe('TERMINATED');
  });

  it('the readiness check reports the dev server healthy', async () => {
    await expect(createTemporalHealthCheck(env.connection)()).resolves.toBe(true);
  });

  it('routeEvent answers null when no route takes the event (the table is empty for now)', async () => {
    const event = { memberId: MEMBER_ID, domain: 'example.bitrix24.com', event: 'ONCRMDEALUPDATE', eventHandlerId: '1', data: { FIELDS: { ID: '5' } }, ts: 1 };
    await expect(gateway.routeEvent(event)).resolves.toBeNull();
  });

  it('routeEvent signals-with-start the entity workflow of a matching route', async () => {
    const route: EventRoute = {
      event: 'ONCRMDYNAMICITEMUPDATE',
      entityTypeId: 147,
      process: 'claim-intake',
      workflowType: 'claimWorkflow',
      signal: 'itemChanged',
      startArgs: (target) => [{ target }],
      signalArgs: (event) => [{ event: event.event, ts: event.ts }],
    };
    const routed = new TemporalWorkflowGateway({ client: env.client, taskQueue: TASK_QUEUE, logger: silent, routes: [route] });
    const event = {
      memberId: MEMBER_ID,
      domain: 'example.bitrix24.com',
      event: 'ONCRMDYNAMICITEMUPDATE_147',
      eventHandlerId: '9',
      data: { FIELDS: { ID: '42' } },
      ts: 1736405807,
    };
    const first = await routed.routeEvent(event);
    const second = await routed.routeEvent(event);
    expect(first).toEqual({ workflowId: `entity/${MEMBER_ID}/147/42` });
    expect(second).toEqual(first);

    const handle = env.client.workflow.getHandle(`entity/${MEMBER_ID}/147/42`);
    const description = await handle.describe();
    expect(description.type).toBe('claimWorkflow');
    expect(description.typedSearchAttributes.get(SA_DOCUMENT)).toBe('DYNAMIC_147_42');
    const history = await handle.fetchHistory();
    const signals = (history.events ?? []).filter((entry) => entry.workflowExecutionSignaledEventAttributes);
    expect(signals.map((entry) => entry.workflowExecutionSignaledEventAttributes?.signalName)).toEqual(['itemChanged', 'itemChanged']);
  });
});

describe('TemporalWorkflowGateway without a reachable Temporal', () => {
  let connection: Connection;
  let gateway: TemporalWorkflowGateway;
  beforeAll(() => {
    connection = Connection.lazy({ address: '127.0.0.1:1' });
    gateway = new TemporalWorkflowGateway({ client: new Client({ connection }), taskQueue: TASK_QUEUE, logger: silent });
  });
  afterAll(async () => {
    await gateway.drain();
    await connection.close();
  });

  it('gives TemporalUnavailableError within the 2 s deadline', async () => {
    const started = Date.now();
    const error = await gateway.startRobot(GET_1C_PRICE, robotCall(EVENT_TOKEN)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TemporalUnavailableError);
    expect(Date.now() - started).toBeLessThan(TEMPORAL_DEADLINE_MS + 500);
  }, 10_000);

  it('the readiness check fails rather than reporting healthy', async () => {
    await expect(createTemporalHealthCheck(connection)()).rejects.toThrow();
  }, 10_000);

  it('makes the ingress answer 503 TEMPORAL_UNAVAILABLE within the deadline', async () => {
    const app = await buildApp({
      config: testConfig(),
      logger: { level: 'silent' },
      portals: new InMemoryPortals(),
      workflows: gateway,
      installVerifier: new FakeVerifier(),
      temporalHealth: async () => false,
    });
    try {
      const started = Date.now();
      const response = await postForm(app, '/bitrix24/bizproc', robotCallBody());
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ error: 'TEMPORAL_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(TEMPORAL_DEADLINE_MS + 500);
    } finally {
      await app.close();
    }
  }, 10_000);
});
