import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApiMetricsServer } from '../../../api/metrics-listener.js';
import { startMetricsServer } from '../../../lib/metrics/server.js';
import { TemporalUnavailableError } from '../../../api/workflow-gateway.js';
import {
  buildTestApp,
  capturingLogger,
  eventBody,
  MEMBER_ID,
  postForm,
  robotCallBody,
  SECRETS,
  type TestApp,
} from '../api/fakes.js';
import { sampleValue } from './prometheus-text.js';

interface LogLine {
  msg?: string;
  method?: string;
  url?: string;
  route?: string;
  statusCode?: number;
  durationMs?: number;
  workflowId?: string;
  error?: string;
  reqId?: string;
}

const silent = pino({ level: 'silent' });

describe('API metrics listener', () => {
  it('the public app does not answer /metrics: it is a 404 like any unknown path', async () => {
    const t = await buildTestApp();
    const reply = await t.app.inject({ method: 'GET', url: '/metrics' });
    await t.app.close();
    expect(reply.statusCode).toBe(404);
    expect(reply.body).not.toContain('b24_ingress_requests_total');
  });

  it('is off with API_METRICS_PORT=0, and a port already taken leaves the API running without it', async () => {
    const t = await buildTestApp();
    await t.app.close();
    await expect(startApiMetricsServer({ registry: t.metrics.registry, host: '127.0.0.1', port: 0, logger: silent })).resolves.toBeNull();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    await expect(startApiMetricsServer({ registry: t.metrics.registry, host: '127.0.0.1', port: taken, logger })).resolves.toBeNull();
    blocker.close();
    expect(warnings.join('')).toContain('API metrics are off');
  });
});

describe('API metrics and request log', () => {
  let t: TestApp;
  let lines: string[];
  beforeEach(async () => {
    const captured = capturingLogger();
    lines = captured.lines;
    t = await buildTestApp({ logger: captured.logger });
  });
  afterEach(async () => {
    await t.app.close();
  });

  /** GET /metrics on the API's metrics listener, as Prometheus scrapes it. */
  const scrape = async () => {
    // An ephemeral port: the same server the API starts on API_METRICS_PORT.
    const server = await startMetricsServer({ registry: t.metrics.registry, host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      return await response.text();
    } finally {
      await server.close();
    }
  };
  const requestLines = () =>
    lines.map((line) => JSON.parse(line) as LogLine).filter((line) => line.msg === 'request completed');

  it('counts requests by route and outcome, with a latency histogram', async () => {
    expect((await postForm(t.app, '/bitrix24/bizproc', robotCallBody())).statusCode).toBe(200);
    expect((await postForm(t.app, '/bitrix24/bizproc', robotCallBody())).statusCode).toBe(200);
    expect((await postForm(t.app, '/bitrix24/bizproc', robotCallBody({ 'auth[application_token]': 'wrong' }))).statusCode).toBe(401);
    expect((await postForm(t.app, '/nowhere', 'a=1')).statusCode).toBe(404);

    const text = await scrape();
    const bizproc = { route: '/bitrix24/bizproc', method: 'POST' };
    expect(sampleValue(text, 'b24_ingress_requests_total', { ...bizproc, outcome: '2xx' })).toBe(2);
    expect(sampleValue(text, 'b24_ingress_requests_total', { ...bizproc, outcome: 'UNAUTHORIZED' })).toBe(1);
    expect(sampleValue(text, 'b24_ingress_requests_total', { route: 'unmatched', outcome: 'NOT_FOUND' })).toBe(1);
    expect(sampleValue(text, 'b24_ingress_request_duration_seconds_count', { ...bizproc, outcome: '2xx' })).toBe(2);
    expect(sampleValue(text, 'b24_ingress_request_duration_seconds_bucket', { ...bizproc, outcome: '2xx', le: '+Inf' })).toBe(2);
  });

  it('counts workflow starts by type and outcome: started, duplicate, unavailable', async () => {
    await postForm(t.app, '/bitrix24/bizproc', robotCallBody());
    t.gateway.robotAnswer = async (call) => ({ workflowId: `robot/${call.robotCode}/x`, duplicate: true });
    await postForm(t.app, '/bitrix24/bizproc', robotCallBody());
    t.gateway.robotAnswer = async () => {
      throw new TemporalUnavailableError('Temporal did not answer within 2000 ms');
    };
    expect((await postForm(t.app, '/bitrix24/bizproc', robotCallBody())).statusCode).toBe(503);
    await postForm(t.app, '/bitrix24/events', eventBody());

    const text = await scrape();
    const robot = { workflow_type: 'get1cPriceWorkflow', kind: 'start' };
    const type = t.gateway.robotStarts[0]?.declaration.workflowType ?? '';
    expect(type).not.toBe('');
    robot.workflow_type = type;
    expect(sampleValue(text, 'b24_workflow_starts_total', { ...robot, outcome: 'started' })).toBe(1);
    expect(sampleValue(text, 'b24_workflow_starts_total', { ...robot, outcome: 'duplicate' })).toBe(1);
    expect(sampleValue(text, 'b24_workflow_starts_total', { ...robot, outcome: 'unavailable' })).toBe(1);
    expect(sampleValue(text, 'b24_ingress_requests_total', { route: '/bitrix24/bizproc', outcome: 'TEMPORAL_UNAVAILABLE' })).toBe(1);
    expect(sampleValue(text, 'b24_workflow_starts_total', { kind: 'signal_with_start', outcome: 'ignored' })).toBe(1);
  });

  it('counts the answers to robot calls that cannot be served under robotRefusalWorkflow', async () => {
    expect((await postForm(t.app, '/bitrix24/bizproc', robotCallBody({ 'properties[article]': null }))).statusCode).toBe(400);
    const text = await scrape();
    expect(sampleValue(text, 'b24_workflow_starts_total', { workflow_type: 'robotRefusalWorkflow', kind: 'start', outcome: 'started' })).toBe(1);
  });

  it('writes exactly one line per request with method, url, status, duration and the workflow id', async () => {
    await postForm(t.app, '/bitrix24/bizproc', robotCallBody());
    await postForm(t.app, '/bitrix24/bizproc', robotCallBody({ use_subscription: 'X' }));

    const completed = requestLines();
    expect(completed).toHaveLength(2);
    const [accepted, rejected] = completed;
    expect(accepted).toMatchObject({ method: 'POST', url: '/bitrix24/bizproc', route: '/bitrix24/bizproc', statusCode: 200 });
    expect(accepted?.workflowId).toBe(`robot/GET_1C_PRICE/${MEMBER_ID}/test`);
    expect(typeof accepted?.durationMs).toBe('number');
    expect(typeof accepted?.reqId).toBe('string');
    expect(rejected).toMatchObject({ statusCode: 400, error: 'VALIDATION_FAILED' });
    expect(rejected?.workflowId).toBeUndefined();
    // Fastify's own "incoming request" / "request completed" pair is off.
    expect(lines.filter((line) => line.includes('incoming request'))).toHaveLength(0);
  });

  it('never exposes a token value in /metrics or in the request lines', async () => {
    await postForm(t.app, '/bitrix24/bizproc', robotCallBody());
    await postForm(t.app, `/bitrix24/bizproc?auth=${SECRETS.accessToken}`, robotCallBody());
    await postForm(t.app, '/bitrix24/events', eventBody());
    await postForm(t.app, `/${SECRETS.accessToken}`, 'x=1');

    const text = await scrape();
    const logged = requestLines().map((line) => JSON.stringify(line)).join('\n');
    for (const secret of Object.values(SECRETS)) {
      expect(text).not.toContain(secret);
    }
    expect(logged).not.toContain(SECRETS.accessToken);
    expect(logged).not.toContain(SECRETS.applicationToken);
  });
});
