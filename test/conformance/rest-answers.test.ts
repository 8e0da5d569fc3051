import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { startCaptureServer } from '../emulator/helpers.js';
import { expectedBody, restFacts, sharedShapes, statusMatches, type DocumentedAnswer, type RestFact } from './support/facts.js';
import { post, REST_SCENARIOS, type RestContext } from './support/rest-scenarios.js';
import { shapeMismatches } from './support/shape.js';

/**
 * Every answer the official REST docs show for a method the app calls, produced by the real emulator over HTTP and
 * checked against the documented shape (test/conformance/facts/rest-*.json).
 */
const shared = sharedShapes();
const facts = restFacts();
const cases = facts.flatMap((fact) => Object.entries(fact.answers).map(([name, answer]) => ({ fact, name, answer })));

let portal: Bitrix24Emulator;
let capture: Awaited<ReturnType<typeof startCaptureServer>>;
let ctx: RestContext;

beforeAll(async () => {
  portal = await startBitrix24Emulator({ rateLimit: false });
  capture = await startCaptureServer();
  const tokensOf: RestContext['tokensOf'] = async (userId) => {
    const { eventToken } = await portal.fireRobot(capture.url, { code: 'token_source', useSubscription: false, userId });
    const call = capture.requests.find((request) => (request.form as { event_token?: string }).event_token === eventToken);
    const auth = (call?.form as { auth?: Record<string, string> } | undefined)?.auth;
    if (!auth?.access_token || !auth.refresh_token) throw new Error('the robot call carried no tokens');
    return { accessToken: auth.access_token, refreshToken: auth.refresh_token };
  };
  ctx = {
    portal,
    handlerUrl: capture.url,
    tokensOf,
    async rest(method, params = {}, options = {}) {
      if (options.as === 'webhook') return post(`${portal.webhookUrl(1)}${method}`, params);
      const { accessToken } = await tokensOf(options.as ?? 1);
      return post(`${portal.clientEndpoint}${method}`, { ...params, auth: accessToken });
    },
    async waitingEventToken() {
      return (await portal.fireRobot(capture.url, { code: 'conformance_robot', properties: { article: 'SKU-001' } })).eventToken;
    },
  };
});

afterAll(async () => {
  await portal?.close();
  await capture?.close();
});

beforeEach(() => {
  portal.reset();
});

function describeAnswer(answer: DocumentedAnswer): string {
  return answer.error === undefined ? `HTTP ${String(answer.status)}` : `HTTP ${String(answer.status)} ${JSON.stringify(answer.error)}`;
}

function problemsOf(fact: RestFact, name: string, answer: DocumentedAnswer, got: { status: number; body: unknown }): string[] {
  const problems: string[] = [];
  if (!statusMatches(answer, got.status)) problems.push(`HTTP status: documented ${JSON.stringify(answer.status)}, emulator answered ${got.status}`);
  problems.push(...shapeMismatches(got.body, expectedBody(answer), shared));
  if (problems.length === 0) return [];
  const docs = answer.docs ?? fact.docs;
  return [`${fact.method} — "${name}" differs from ${docs} (b24restdocs ${fact.commit.slice(0, 12)}):`, ...problems.map((problem) => `  ${problem}`)];
}

describe('REST answers of the emulator match the official docs', () => {
  it.each(cases)('$fact.method: $name', async ({ fact, name, answer }) => {
    const scenario = REST_SCENARIOS[fact.method]?.[name];
    expect(scenario, `no scenario produces "${name}" of ${fact.method} (${describeAnswer(answer)})`).toBeDefined();
    const got = await scenario!(ctx);
    const problems = problemsOf(fact, name, answer, got);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('every scenario belongs to a documented answer', () => {
    const documented = new Set(cases.map(({ fact, name }) => `${fact.method} / ${name}`));
    const orphans = Object.entries(REST_SCENARIOS).flatMap(([method, byName]) =>
      Object.keys(byName).map((name) => `${method} / ${name}`).filter((key) => !documented.has(key)),
    );
    expect(orphans, 'scenarios without a fact').toEqual([]);
  });
});
