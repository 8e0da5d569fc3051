import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { derivePageTokenKey } from '../../api/placements/page-token.js';
import { limitedRoutes } from '../../api/plugins/rate-limit.js';
import { toJson } from '../../api/codec/payloads-json.js';
import { offlineDrainWorkflowId } from '../../contracts/offline-drain.js';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { entityWorkflowId, provisionWorkflowId } from '../../contracts/workflow-ids.js';
import { EMULATOR_DEFAULTS } from '../../emulators/bitrix24/index.js';
import { loadConfig } from '../../lib/config.js';
import { AesGcmPayloadCodec } from '../../lib/payload-codec.js';
import type { Stack } from '../support/stack.js';
import { FakeVerifier, InMemoryPortals, RecordingGateway } from '../unit/api/fakes.js';
import { portalIdentity } from './support/bitrix24-bodies.js';
import { judge, readAnswer, reachedValidation, type Answer } from './support/fuzz-answers.js';
import { fuzzCase, type FuzzCase, type FuzzRoute } from './support/fuzz-cases.js';
import { fuzzRoutes, type FuzzWorld } from './support/fuzz-routes.js';
import { startFaultStack, waitFor } from './support/fault-stack.js';
import { createPrng } from './support/prng.js';

/** Change the seed to explore; a failure message names the seed and the case index that reproduce it. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_707);
const CASES = 1_000;
const IN_FLIGHT = 8;
const API_KEY = randomBytes(24).toString('hex');
const CODEC_TOKEN = randomBytes(24).toString('hex');
const WEB_UI = 'http://127.0.0.1:8233';
/** A request that has not been answered by then is a hang. */
const ANSWER_WITHIN_MS = 60_000;

let stack: Stack;
let world: FuzzWorld;
let routes: FuzzRoute[];
let pool: Pool;

interface Sent {
  fuzz: FuzzCase;
  answer: Answer;
  contentType: string;
}

async function send(fuzz: Pick<FuzzCase, 'method' | 'path' | 'headers' | 'body'>): Promise<{ answer: Answer; contentType: string }> {
  const response = await pool.request({
    method: fuzz.method as 'GET',
    path: fuzz.path,
    headers: fuzz.headers,
    ...(fuzz.body === undefined ? {} : { body: fuzz.body }),
  });
  const contentType = String(response.headers['content-type'] ?? '');
  const text = await response.body.text();
  return { answer: readAnswer(response.statusCode, contentType, text), contentType };
}

/** The template request of a route, unchanged: its positive control. */
async function control(route: FuzzRoute, templateIndex = 0, encoding: 'form' | 'json' = 'json'): Promise<Answer> {
  const template = route.templates[templateIndex];
  if (!template) throw new Error(`no template ${templateIndex} for ${route.url}`);
  const request = template.build();
  const headers = { ...request.headers };
  let body: string | undefined;
  if (request.body !== undefined) {
    const form = encoding === 'form' && (request.encodings ?? ['json']).includes('form');
    headers['content-type'] = form ? 'application/x-www-form-urlencoded' : 'application/json';
    body = form ? new URLSearchParams(flatten(request.body)).toString() : JSON.stringify(request.body);
  }
  return (await send({ method: route.method, path: request.path, headers, ...(body === undefined ? {} : { body }) })).answer;
}

/** PHP-style brackets for a form body (the controls' bodies are flat or one level deep). */
function flatten(body: Record<string, unknown>, prefix = ''): [string, string][] {
  return Object.entries(body).flatMap(([key, value]): [string, string][] => {
    const name = prefix === '' ? key : `${prefix}[${key}]`;
    return typeof value === 'object' && value !== null ? flatten(value as Record<string, unknown>, name) : [[name, String(value)]];
  });
}

function routeNamed(method: string, url: string): FuzzRoute {
  const route = routes.find((candidate) => candidate.method === method && candidate.url === url);
  if (!route) throw new Error(`no fuzz profile for ${method} ${url}`);
  return route;
}

beforeAll(async () => {
  stack = await startFaultStack({
    // The portal's own limits are not under test: a 503 from it would become a legitimate 502 of the runs tab.
    emulator: { rateLimit: false },
    env: {
      EXTERNAL_API_KEYS: `${API_KEY}:${EMULATOR_DEFAULTS.memberId}`,
      CODEC_STATIC_TOKEN: CODEC_TOKEN,
      TEMPORAL_WEB_UI_URL: WEB_UI,
      OFFLINE_DRAIN_INTERVAL_SECONDS: '3600',
      LOG_LEVEL: 'info',
    },
  });
  pool = new Pool(stack.apiUrl, { connections: IN_FLIGHT, headersTimeout: ANSWER_WITHIN_MS, bodyTimeout: ANSWER_WITHIN_MS });
  const { emulator } = stack;
  const tabDealId = emulator.state.addItem(2, { title: 'Fuzzed runs tab', assignedById: 1 }).id;
  const writeDealId = emulator.state.addItem(2, { title: 'Fuzzed writes', assignedById: 3 }).id;
  // A run on the tab's deal that keeps running (1C is down) until the tab terminates it.
  stack.onec.setDown(true);
  const fired = await emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, {
    code: GET_1C_PRICE.code,
    documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${tabDealId}`],
    properties: { article: 'SKU-001' },
  });
  expect(fired.status).toBe(200);
  const [encrypted] = await new AesGcmPayloadCodec(String(stack.env.PAYLOAD_CODEC_KEY)).encode([
    { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"fuzz"') },
  ]);
  world = {
    apiUrl: stack.apiUrl,
    emulator,
    portal: portalIdentity(emulator),
    apiKey: API_KEY,
    codecToken: CODEC_TOKEN,
    webUiOrigin: WEB_UI,
    pageTokenKey: derivePageTokenKey(String(stack.env.PAYLOAD_CODEC_KEY)),
    tabDealId,
    tabWorkflowId: (fired.body as { workflowId: string }).workflowId,
    writeDealId,
    writeWorkflowId: `write/${emulator.memberId}/fuzz-control`,
    encryptedPayload: toJson([encrypted!]).payloads[0]!,
  };
  routes = fuzzRoutes(world);
}, 240_000);

afterAll(async () => {
  await pool?.close();
  await stack?.stop();
});

describe(`a thousand fuzzed requests against every public route, most with real credentials (seed ${SEED})`, () => {
  it('has a fuzz profile for every route of the app, and no profile for a route it does not have', async () => {
    const app = await buildApp({
      config: loadConfig(stack.env),
      logger: { level: 'silent' },
      portals: new InMemoryPortals([]),
      workflows: new RecordingGateway(),
      installVerifier: new FakeVerifier(),
      temporalHealth: async () => true,
    });
    await app.ready();
    const listed = limitedRoutes(app).map((route) => `${route.method} ${route.url}`).sort();
    await app.close();
    expect(listed.length).toBeGreaterThanOrEqual(15);
    expect(routes.map((route) => `${route.method} ${route.url}`).sort()).toEqual(listed);
  });

  it('answers every case with the expected success or a clear 4xx, never a 5xx or a hang, starts nothing for a refusal, and leaks no secret', async () => {
    const startedAt = new Date();
    const sent: Sent[] = [];
    const accepted = new Set<string>();
    const record = (fuzz: FuzzCase, answer: Answer, contentType: string) => {
      sent.push({ fuzz, answer, contentType });
      if (answer.status < 300 && answer.workflowId) accepted.add(answer.workflowId);
    };

    // Positive controls: each route's valid request with valid credentials gets its success.
    const controls: [string, Answer, number][] = [];
    const expectSuccess = async (method: string, url: string, expected: number, templateIndex = 0, encoding: 'form' | 'json' = 'json') => {
      const answer = await control(routeNamed(method, url), templateIndex, encoding);
      controls.push([`${method} ${url}#${templateIndex}`, answer, expected]);
      if (answer.workflowId) accepted.add(answer.workflowId);
      return answer;
    };
    await expectSuccess('POST', '/bitrix24/bizproc', 200, 0, 'form');
    await expectSuccess('POST', '/bitrix24/events', 200, 0, 'form');
    await expectSuccess('POST', '/bitrix24/install', 200, 0, 'form');
    await expectSuccess('POST', '/bitrix24/install', 200, 1, 'form');
    await expectSuccess('POST', '/bitrix24/placements/runs', 200, 0, 'form');
    await expectSuccess('POST', '/bitrix24/placements/runs/view', 200);
    const write = await send({
      method: 'POST',
      path: '/api/v1/items',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ idempotencyKey: 'fuzz-control', memberId: stack.emulator.memberId, entityTypeId: 2, id: world.writeDealId, fields: { comments: 'control' } }),
    });
    controls.push(['POST /api/v1/items', write.answer, 202]);
    accepted.add(world.writeWorkflowId);
    await expectSuccess('POST', '/api/v1/items', 202);
    await expectSuccess('GET', '/api/v1/runs/*', 200);
    await expectSuccess('HEAD', '/api/v1/runs/*', 200);
    await expectSuccess('POST', '/codec/encode', 200);
    await expectSuccess('POST', '/codec/decode', 200);
    await expectSuccess('OPTIONS', '/codec*', 204);
    for (const probe of ['/healthz', '/readyz']) for (const method of ['GET', 'HEAD']) await expectSuccess(method, probe, 200);
    // The tab terminates the running run (Temporal shows it terminated), then retries it once 1C is back.
    await expectSuccess('POST', '/bitrix24/placements/runs/terminate', 200);
    const terminated = await stack.temporal.client.workflow.getHandle(world.tabWorkflowId).describe();
    expect(terminated.status.name).toBe('TERMINATED');
    stack.onec.setDown(false);
    await expectSuccess('POST', '/bitrix24/placements/runs/retry', 200);
    expect((await stack.temporal.client.workflow.getHandle(world.tabWorkflowId).describe()).runId).not.toBe(terminated.runId);
    expect(controls.filter(([, answer, status]) => answer.status !== status).map(([name, answer]) => `${name}: ${answer.status} ${answer.text.slice(0, 300)}`)).toEqual([]);

    // The fuzz.
    const prng = createPrng(SEED);
    const cases = Array.from({ length: CASES }, (_, index) => fuzzCase(index, routes, prng));
    const failures: string[] = [];
    let next = 0;
    const slot = async () => {
      for (let index = next++; index < cases.length; index = next++) {
        const fuzz = cases[index]!;
        try {
          const { answer, contentType } = await send(fuzz);
          record(fuzz, answer, contentType);
        } catch (error) {
          failures.push(`seed ${SEED} case ${fuzz.index} (${fuzz.kind} → ${fuzz.route}): no answer: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, slot));

    const byRoute = new Map(routes.map((route) => [`${route.method} ${route.url}`, route]));
    for (const { fuzz, answer, contentType } of sent) {
      const problem = judge(byRoute.get(fuzz.route)!, fuzz, answer, contentType);
      if (problem) failures.push(`seed ${SEED} case ${fuzz.index} (${fuzz.kind}, ${fuzz.template} → ${fuzz.route}): ${problem}: ${answer.text.slice(0, 200)}`);
    }

    // The figures: per route, how many cases carried real credentials, got past authentication, and were accepted.
    const table = routes.map((route) => {
      const name = `${route.method} ${route.url}`;
      const own = sent.filter(({ fuzz }) => fuzz.route === name);
      return {
        route: name,
        cases: own.length,
        withCredentials: own.filter(({ fuzz }) => fuzz.validCredentials).length,
        reachedValidation: own.filter(({ fuzz, answer }) => reachedValidation(fuzz, answer)).length,
        accepted: own.filter(({ answer }) => answer.status < 300).length,
      };
    });
    console.log(`fuzz seed ${SEED}: ${sent.length} cases\n${table.map((row) => `  ${row.route.padEnd(42)} cases ${String(row.cases).padStart(4)}  with credentials ${String(row.withCredentials).padStart(4)}  reached validation ${String(row.reachedValidation).padStart(4)}  accepted ${String(row.accepted).padStart(4)}`).join('\n')}`);

    // The API's own error lines say why a case got a 5xx.
    if (failures.length > 0) console.log(stack.api.lines.filter((line) => /"level":50/.test(line)).slice(0, 5).join('\n'));
    expect(failures).toEqual([]);
    expect(sent).toHaveLength(CASES);
    expect(sent.filter(({ fuzz }) => fuzz.validCredentials).length).toBeGreaterThanOrEqual(CASES / 2);
    for (const row of table) expect(row.cases, row.route).toBeGreaterThan(0);
    for (const row of table.filter((entry) => !/healthz|readyz|OPTIONS/.test(entry.route))) expect(row.reachedValidation, row.route).toBeGreaterThan(0);

    // Nothing started for a refusal: every run started since the first request is one an accepted request named,
    // a refusal answered through Bitrix24 (one per refusal that says so), or what an accepted request sets off.
    const refusalsAnswered = sent.filter(({ answer }) => answer.status >= 400 && /the business process was answered with this error/.test(answer.message ?? '')).length;
    const marker = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, { code: GET_1C_PRICE.code, properties: { article: 'SKU-001' } });
    const markerId = (marker.body as { workflowId: string }).workflowId;
    accepted.add(markerId);
    await waitFor(async () => (await stack.temporal.client.workflow.count(`WorkflowId = '${markerId}'`)).count === 1, 'the marker run in visibility');
    const installsAccepted = [...sent.filter(({ fuzz }) => fuzz.template === 'install callback').map(({ answer }) => answer), ...controls.map(([, answer]) => answer)].some(
      (answer) => answer.status === 200 && /"status":"installed"/.test(answer.text),
    );
    const memberId = stack.emulator.memberId;
    const sideEffects = new Set([
      // Accepted writes change the deal; Bitrix24 tells the API, which feeds the deal's entity workflow.
      entityWorkflowId(memberId, 2, world.writeDealId),
      ...(installsAccepted ? [provisionWorkflowId(memberId), offlineDrainWorkflowId(memberId)] : []),
    ]);
    const unexplained: string[] = [];
    let refusalRuns = 0;
    let started = 0;
    for await (const run of stack.temporal.client.workflow.list({ query: `StartTime >= '${startedAt.toISOString()}'` })) {
      started += 1;
      if (run.type === 'robotRefusalWorkflow') refusalRuns += 1;
      else if (!accepted.has(run.workflowId) && !sideEffects.has(run.workflowId)) unexplained.push(`${run.type} ${run.workflowId}`);
    }
    console.log(`fuzz seed ${SEED}: ${started} runs started, each by an accepted request; ${refusalRuns} of them answer authentic robot calls the API refused (${refusalsAnswered} such refusals)`);
    expect(unexplained).toEqual([]);
    expect(refusalRuns).toBe(refusalsAnswered);

    // No secret in any answer, nor in any line the API or the worker wrote (page tokens are the pages' own, so
    // answers may carry them; logs may not).
    const secrets = [API_KEY, CODEC_TOKEN, ...stack.secrets()];
    const leakingAnswers = sent.filter(({ answer }) => secrets.some((secret) => answer.text.includes(secret))).map(({ fuzz }) => fuzz.index);
    expect(leakingAnswers).toEqual([]);
    const logs = [...stack.api.lines, ...stack.worker.lines].join('\n');
    expect(secrets.filter((secret) => logs.includes(secret)).length).toBe(0);
    expect(logs).not.toMatch(/v2\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{40,}/);
  }, 600_000);
});
