import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib/logger.js';
import { FORM_FRAGMENTS, JSON_BODIES, newSecret, SECRET_HEADERS } from '../../support/secret-forms.js';
import { buildTestApp, capturingLogger, testConfig, type TestApp } from './fakes.js';

interface Route {
  path: string;
  methods: string[];
}

/**
 * The app's own route list (Fastify's `printRoutes` radix tree, one path segment per line, flattened): a route added
 * later is covered without touching this test. Parameters and wildcards get a harmless value.
 */
function routesOf(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const stack: { depth: number; path: string }[] = [];
  for (const line of app.printRoutes().split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    while (stack.length > 0 && (stack.at(-1)?.depth ?? 0) >= depth) stack.pop();
    const path = `${stack.at(-1)?.path ?? ''}${match[2] ?? ''}`;
    stack.push({ depth, path });
    const methods = (match[3] ?? '').split(',').map((method) => method.trim()).filter((method) => method && method !== '-' && method !== 'HEAD');
    if (methods.length > 0) routes.push({ path: path.replace(/:\w+/g, 'x').replace(/\*$/, 'anything'), methods });
  }
  return routes;
}

/** Every request a sender can make with `secret` on `route`: in the query, in the body, and where an error quotes it. */
function requestsFor(route: Route, method: string, secret: () => string): InjectOptions[] {
  const requests: InjectOptions[] = [];
  const inject = (options: InjectOptions) => requests.push({ method: method as InjectOptions['method'], url: route.path, ...options });
  for (const fragment of Object.values(FORM_FRAGMENTS)) {
    inject({ url: `${route.path}?${fragment(secret())}&x=1` });
    if (method === 'GET') continue;
    inject({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `${fragment(secret())}&member_id=m` });
    // Not JSON at all: JSON.parse quotes the start of the text in its message.
    inject({ headers: { 'content-type': 'application/json' }, payload: fragment(secret()) });
    // A malformed percent-escape after the secret: the form parser fails on this body.
    inject({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `${fragment(secret())}&bad=%E0%A4%A` });
    // A content type nobody accepts: the 415 answer names the type, which carries the secret.
    inject({ headers: { 'content-type': `text/plain; ${fragment(secret())}` }, payload: 'x' });
  }
  for (const body of Object.values(JSON_BODIES)) {
    if (method === 'GET') continue;
    inject({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body(secret())) });
    // Truncated JSON around the secret.
    inject({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body(secret())).slice(0, -2) });
  }
  for (const header of Object.values(SECRET_HEADERS)) inject({ headers: header(secret()) });
  return requests;
}

async function sendEverything(t: TestApp, secrets: string[]): Promise<number> {
  const secret = () => {
    const value = newSecret();
    secrets.push(value);
    return value;
  };
  let sent = 0;
  for (const route of routesOf(t.app)) {
    for (const method of route.methods) {
      for (const request of requestsFor(route, method, secret)) {
        await t.app.inject(request);
        sent += 1;
      }
    }
  }
  return sent;
}

const config = testConfig({ EXTERNAL_API_KEYS: 'external-api-key-for-tests-0001:webhook' });

describe('no secret reaches the API logs, in any form, through any route', () => {
  it('finds the routes of the app', async () => {
    const t = await buildTestApp({ config });
    const paths = routesOf(t.app).map((route) => route.path);
    await t.app.close();
    expect(paths).toEqual(
      expect.arrayContaining([
        '/bitrix24/bizproc',
        '/bitrix24/events',
        '/bitrix24/install',
        '/bitrix24/placements/runs',
        '/bitrix24/placements/runs/view',
        '/api/v1/items',
        '/api/v1/runs/anything',
        '/healthz',
      ]),
    );
  });

  describe('what our code writes (a logger without redaction)', () => {
    let t: TestApp;
    let lines: string[];
    const secrets: string[] = [];
    let sent = 0;
    beforeAll(async () => {
      const captured = capturingLogger();
      lines = captured.lines;
      t = await buildTestApp({ config, logger: captured.logger });
      sent = await sendEverything(t, secrets);
    }, 120_000);
    afterAll(async () => t?.app.close());

    it('logs every request, yet none of the secrets', () => {
      expect(sent).toBeGreaterThan(300);
      expect(lines.length).toBeGreaterThanOrEqual(sent);
      const all = lines.join('\n');
      expect(secrets.filter((secret) => all.includes(secret))).toEqual([]);
    });
  });

  describe('the production logger (lib/logger.ts)', () => {
    let t: TestApp;
    const lines: string[] = [];
    const secrets: string[] = [];
    beforeAll(async () => {
      const logger = createLogger({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
      t = await buildTestApp({ config, logger });
      await sendEverything(t, secrets);
    }, 120_000);
    afterAll(async () => t?.app.close());

    it('writes none of the secrets and only valid JSON lines', () => {
      const all = lines.join('\n');
      expect(secrets.filter((secret) => all.includes(secret))).toEqual([]);
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    });
  });
});
