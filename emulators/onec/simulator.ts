import Fastify, { type FastifyInstance } from 'fastify';

export interface PriceRecord {
  price: number;
  currency: string;
  stock: number;
}

export interface OnecSimulatorOptions {
  host?: string;
  port?: number;
  latencyMs?: number;
  catalogue?: Record<string, PriceRecord>;
}

export interface RecordedPriceCall {
  article: string;
  at: number;
  status: number;
}

export interface OnecSimulator {
  url: string;
  calls: RecordedPriceCall[];
  setArticle(article: string, record: PriceRecord): void;
  setLatency(ms: number): void;
  /** While down, every request gets 503 (maintenance) as 1C's HTTP service does when its base is locked. */
  setDown(down: boolean): void;
  /** The next `count` requests get 503, then 1C answers again. */
  failNext(count: number): void;
  close(): Promise<void>;
}

export const DEMO_CATALOGUE: Record<string, PriceRecord> = {
  'SKU-001': { price: 1250.5, currency: 'RUB', stock: 12 },
  'SKU-002': { price: 99.9, currency: 'RUB', stock: 0 },
  'SKU-003': { price: 15400, currency: 'RUB', stock: 3 },
};

/**
 * A 1C price service on loopback: `GET /api/v1/prices/{article}` → `{ article, price, currency, stock }`,
 * 404 for an unknown article, 503 while down. Latency and outages are injectable for tests and demos.
 */
export async function startOnecSimulator(options: OnecSimulatorOptions = {}): Promise<OnecSimulator> {
  const catalogue = new Map(Object.entries(options.catalogue ?? DEMO_CATALOGUE));
  const calls: RecordedPriceCall[] = [];
  let latencyMs = options.latencyMs ?? 0;
  let down = false;
  let failures = 0;

  const app: FastifyInstance = Fastify({ logger: false });
  app.get<{ Params: { article: string } }>('/api/v1/prices/:article', async (request, reply) => {
    const { article } = request.params;
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const record = catalogue.get(article);
    const unavailable = down || failures > 0;
    if (failures > 0) failures -= 1;
    const status = unavailable ? 503 : record ? 200 : 404;
    calls.push({ article, at: Date.now(), status });
    if (unavailable) return reply.code(503).header('retry-after', '5').send({ error: 'MAINTENANCE' });
    if (!record) return reply.code(404).send({ error: 'ARTICLE_NOT_FOUND', article });
    return { article, ...record };
  });

  const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  return {
    url,
    calls,
    setArticle: (article, record) => void catalogue.set(article, record),
    setLatency: (ms) => void (latencyMs = ms),
    setDown: (value) => void (down = value),
    failNext: (count) => void (failures = count),
    close: () => app.close(),
  };
}
