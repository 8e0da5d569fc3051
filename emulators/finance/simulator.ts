import { setTimeout as delay } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { DEMO_COMPANIES, type CreditRecord } from './seed.js';
import { maintenanceAt, type MaintenanceState } from './maintenance.js';
import { bearerMatches } from './bearer.js';

export interface FinanceSimulatorOptions {
  host?: string;
  port?: number;
  apiToken?: string;
  companies?: Record<string, CreditRecord>;
  latencyMs?: number;
}

/** One request as the simulator saw it; `status` stays null when the client gave up before the answer. */
export interface FinanceSimulatorCall {
  method: string;
  path: string;
  companyId?: string;
  authorized: boolean;
  status: number | null;
  at: number;
}

export interface FinanceSimulator {
  url: string;
  calls: FinanceSimulatorCall[];
  setCompany(companyId: string, record: CreditRecord): void;
  removeCompany(companyId: string): void;
  setLatency(ms: number): void;
  /** Maintenance by hand; with `until` it ends on its own at that wall-clock instant. */
  setMaintenance(on: boolean, until?: Date): void;
  /** A planned window on the real wall clock: requests between `from` and `to` get 503. */
  addMaintenanceWindow(from: Date, to: Date): void;
  /** The next `count` authorized credit requests answer `status`; 429/503 carry `retryAfterSeconds` if given. */
  failNext(count: number, status: number, options?: { retryAfterSeconds?: number }): void;
  close(): Promise<void>;
}

export const DEFAULT_FINANCE_API_TOKEN = 'finance-dev-token';
/** What the simulator tells clients when a hand-switched maintenance has no announced end. */
const UNKNOWN_END_RETRY_AFTER_SECONDS = 60;

/**
 * The finance system's credit API on loopback. `GET /api/v1/companies/{companyId}/credit` with a Bearer token →
 * `{ companyId, limit, debt, currency }`; 404 `COMPANY_NOT_FOUND`; 503 `MAINTENANCE` with Retry-After; 401 without
 * the right token. See README.md beside this file.
 */
export async function startFinanceSimulator(options: FinanceSimulatorOptions = {}): Promise<FinanceSimulator> {
  const apiToken = options.apiToken ?? DEFAULT_FINANCE_API_TOKEN;
  const companies = new Map(Object.entries(options.companies ?? DEMO_COMPANIES));
  const calls: FinanceSimulatorCall[] = [];
  const injected: { status: number; retryAfterSeconds?: number }[] = [];
  const maintenance: MaintenanceState = { manual: { on: false }, windows: [] };
  const closing = new AbortController();
  let latencyMs = options.latencyMs ?? 0;

  const app: FastifyInstance = Fastify({ logger: false });

  app.get('/health', async () => ({ status: 'ok' }));

  app.get<{ Params: { companyId: string } }>('/api/v1/companies/:companyId/credit', async (request, reply) => {
    const { companyId } = request.params;
    const call: FinanceSimulatorCall = {
      method: request.method,
      path: request.url,
      companyId,
      authorized: bearerMatches(request.headers.authorization, apiToken),
      status: null,
      at: Date.now(),
    };
    calls.push(call);
    const answer = (status: number) => {
      call.status = status;
      return reply.code(status);
    };

    if (latencyMs > 0) await sleepUnlessGone(latencyMs, reply.raw, closing.signal);
    if (!call.authorized) {
      return answer(401).header('www-authenticate', 'Bearer realm="finance"').send({ error: 'UNAUTHORIZED' });
    }

    const failure = injected.shift();
    if (failure) {
      if (failure.retryAfterSeconds !== undefined) reply.header('retry-after', String(failure.retryAfterSeconds));
      return answer(failure.status).send({ error: failure.status >= 500 ? 'INTERNAL_ERROR' : 'INJECTED_FAILURE' });
    }

    const now = Date.now();
    const inMaintenance = maintenanceAt(maintenance, now);
    if (inMaintenance) {
      const { until } = inMaintenance;
      const retryAfter = until === undefined ? UNKNOWN_END_RETRY_AFTER_SECONDS : Math.ceil((until - now) / 1000);
      const body = until === undefined ? { error: 'MAINTENANCE' } : { error: 'MAINTENANCE', until: new Date(until).toISOString() };
      return answer(503).header('retry-after', String(retryAfter)).send(body);
    }

    const record = companies.get(companyId);
    if (!record) return answer(404).send({ error: 'COMPANY_NOT_FOUND' });
    return answer(200).send({ companyId, ...record });
  });

  const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  return {
    url,
    calls,
    setCompany: (companyId, record) => void companies.set(companyId, { ...record }),
    removeCompany: (companyId) => void companies.delete(companyId),
    setLatency: (ms) => void (latencyMs = ms),
    setMaintenance: (on, until) => void (maintenance.manual = { on, until: until?.getTime() }),
    addMaintenanceWindow: (from, to) => void maintenance.windows.push({ from: from.getTime(), to: to.getTime() }),
    failNext: (count, status, failOptions = {}) => {
      for (let index = 0; index < count; index += 1) injected.push({ status, ...failOptions });
    },
    close: async () => {
      closing.abort();
      await app.close();
    },
  };
}

/** Waits out the simulated latency, but stops early when the client hangs up or the simulator closes. */
async function sleepUnlessGone(ms: number, response: NodeJS.EventEmitter, closing: AbortSignal): Promise<void> {
  const gone = new AbortController();
  const onClose = () => gone.abort();
  response.once('close', onClose);
  try {
    await delay(ms, undefined, { signal: AbortSignal.any([gone.signal, closing]) });
  } catch {
    // Cut short on purpose: the client left or the simulator is closing.
  } finally {
    response.off('close', onClose);
  }
}
