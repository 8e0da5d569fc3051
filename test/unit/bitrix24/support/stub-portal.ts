import Fastify, { type FastifyInstance } from 'fastify';
import qs from 'qs';

export interface StubRequest {
  path: string;
  contentType: string;
  body: Record<string, unknown>;
}

export interface StubReply {
  status?: number;
  body?: unknown;
  /** Sent as-is when set (not JSON), e.g. an HTML proxy page. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export type StubHandler = (request: StubRequest) => StubReply | Promise<StubReply>;

export interface StubPortal {
  /** Origin with a trailing slash, e.g. http://127.0.0.1:40123/ */
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

export interface StubPortalOptions {
  https?: { key: string; cert: string };
}

/** A loopback HTTP(S) server answering every POST through `handler`; JSON and form bodies are parsed like PHP does. */
export async function startStubPortal(handler: StubHandler, options: StubPortalOptions = {}): Promise<StubPortal> {
  const app: FastifyInstance =
    options.https === undefined ? Fastify() : (Fastify({ https: options.https }) as unknown as FastifyInstance);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, qs.parse(body as string));
  });
  const requests: StubRequest[] = [];
  app.post('/*', async (request, reply) => {
    const stubRequest: StubRequest = {
      path: request.url,
      contentType: String(request.headers['content-type'] ?? ''),
      body: (request.body ?? {}) as Record<string, unknown>,
    };
    requests.push(stubRequest);
    const answer = await handler(stubRequest);
    reply.code(answer.status ?? 200);
    for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
    if (answer.rawBody !== undefined) return reply.type('text/html').send(answer.rawBody);
    return reply.type('application/json').send(JSON.stringify(answer.body ?? null));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('stub portal has no TCP address');
  const scheme = options.https === undefined ? 'http' : 'https';
  return { url: `${scheme}://127.0.0.1:${address.port}/`, requests, close: () => app.close() };
}

/** A `time` block as every Bitrix24 response carries it ([EN] api-reference/data-types.md#time). */
export function bitrixTime(extra: Record<string, number> = {}): Record<string, unknown> {
  const start = Date.now() / 1000;
  return {
    start,
    finish: start + 0.01,
    duration: 0.01,
    processing: 0.005,
    date_start: new Date(start * 1000).toISOString(),
    date_finish: new Date(start * 1000 + 10).toISOString(),
    operating_reset_at: Math.floor(start) + 600,
    operating: 0,
    ...extra,
  };
}

export function ok(result: unknown, extra: Record<string, unknown> = {}): StubReply {
  return { status: 200, body: { result, ...extra, time: bitrixTime() } };
}

export function fail(
  status: number,
  error: string,
  description: string,
  extra: Record<string, unknown> = {},
): StubReply {
  return { status, body: { error, error_description: description, ...extra } };
}

/** The REST method named by a request path: /rest/crm.deal.get → crm.deal.get. */
export function methodOf(request: StubRequest): string {
  const path = request.path.split('?')[0] ?? '';
  return path.slice(path.lastIndexOf('/') + 1).replace(/\.json$/, '');
}

/** Bitrix24's leaky bucket ([EN] limits.md): +1 per request, drains `perSecond`, rejects above `burst`. */
export function createLeakyBucket(perSecond: number, burst: number) {
  let level = 0;
  let updatedAt = performance.now();
  let peak = 0;
  return {
    take(): boolean {
      const now = performance.now();
      level = Math.max(0, level - ((now - updatedAt) / 1000) * perSecond);
      updatedAt = now;
      if (level + 1 > burst) return false;
      level += 1;
      peak = Math.max(peak, level);
      return true;
    },
    peak: () => peak,
  };
}
