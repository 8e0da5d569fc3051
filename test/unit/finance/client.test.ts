import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFinanceClient, type FinanceClientOptions } from '../../../integrations/finance/client.js';
import { FINANCE_FAILURES, type FinanceUnavailableDetails } from '../../../integrations/finance/errors.js';
import { startFinanceSimulator, type FinanceSimulator } from '../../../emulators/finance/simulator.js';

const API_TOKEN = 'fin-secret-7d1f0c2a9b';
const logLines: string[] = [];
const errorTexts: string[] = [];
const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });

let simulator: FinanceSimulator;

beforeAll(async () => {
  simulator = await startFinanceSimulator({
    apiToken: API_TOKEN,
    companies: { '1': { limit: 1_000_000, debt: 250_000, currency: 'RUB' } },
  });
});

afterEach(() => {
  simulator.setMaintenance(false);
  simulator.setLatency(0);
});

afterAll(async () => {
  await simulator.close();
});

function client(overrides: Partial<FinanceClientOptions> = {}) {
  return createFinanceClient({ baseUrl: simulator.url, apiToken: API_TOKEN, timeoutMs: 2_000, logger, ...overrides });
}

/** The failure a call rejects with; every message and detail is kept for the secret check at the end. */
async function failureOf(call: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await call.then(
    () => expect.fail('expected the call to fail'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  const failure = error as ApplicationFailure;
  errorTexts.push(failure.message, JSON.stringify(failure.details ?? []), String(failure.stack));
  return failure;
}

describe('finance client against the finance simulator', () => {
  it('reads limit, debt and currency with the Bearer token', async () => {
    await expect(client().getCredit('1')).resolves.toEqual({ limit: 1_000_000, debt: 250_000, currency: 'RUB' });
    expect(simulator.calls.at(-1)).toMatchObject({ companyId: '1', authorized: true, status: 200 });
  });

  it('sees a company added or removed at runtime', async () => {
    simulator.setCompany('77', { limit: 10, debt: 3, currency: 'USD' });
    await expect(client().getCredit('77')).resolves.toEqual({ limit: 10, debt: 3, currency: 'USD' });
    simulator.removeCompany('77');
    expect((await failureOf(client().getCredit('77'))).type).toBe(FINANCE_FAILURES.type.CompanyNotFound);
  });

  it('reports an unknown company as CompanyNotFound, not retryable', async () => {
    const failure = await failureOf(client().getCredit('no-such-company'));
    expect(failure.type).toBe(FINANCE_FAILURES.type.CompanyNotFound);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('no-such-company');
  });

  it('reports maintenance as benign, retryable Unavailable with the delay from Retry-After', async () => {
    const until = new Date(Date.now() + 90_000);
    simulator.setMaintenance(true, until);
    const failure = await failureOf(client().getCredit('1'));
    expect(failure.type).toBe(FINANCE_FAILURES.type.Unavailable);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.category).toBe(ApplicationFailureCategory.BENIGN);
    expect(failure.nextRetryDelay).toBeGreaterThanOrEqual(88_000);
    expect(failure.nextRetryDelay).toBeLessThanOrEqual(91_000);
    const details = failure.details?.[0] as FinanceUnavailableDetails;
    expect(details).toMatchObject({ reason: 'maintenance', until: until.toISOString() });
    expect(simulator.calls.at(-1)?.status).toBe(503);
  });

  it('tells the client to come back in a minute when maintenance has no announced end', async () => {
    simulator.setMaintenance(true);
    const failure = await failureOf(client().getCredit('1'));
    expect(failure.type).toBe(FINANCE_FAILURES.type.Unavailable);
    expect(failure.nextRetryDelay).toBe(60_000);
  });

  it('follows planned maintenance windows on the wall clock, chaining back-to-back windows', async () => {
    const planned = await startFinanceSimulator({ apiToken: API_TOKEN });
    try {
      const now = Date.now();
      planned.addMaintenanceWindow(new Date(now - 60_000), new Date(now + 5 * 60_000));
      planned.addMaintenanceWindow(new Date(now + 5 * 60_000), new Date(now + 20 * 60_000));
      planned.addMaintenanceWindow(new Date(now + 3_600_000), new Date(now + 7_200_000));
      const failure = await failureOf(client({ baseUrl: planned.url }).getCredit('1'));
      const details = failure.details?.[0] as FinanceUnavailableDetails;
      expect(details.until).toBe(new Date(now + 20 * 60_000).toISOString());
      expect(failure.nextRetryDelay).toBeGreaterThan(19 * 60_000);
    } finally {
      await planned.close();
    }
  });

  it('is open for business outside planned windows', async () => {
    const planned = await startFinanceSimulator({ apiToken: API_TOKEN });
    try {
      const now = Date.now();
      planned.addMaintenanceWindow(new Date(now - 120_000), new Date(now - 60_000));
      planned.addMaintenanceWindow(new Date(now + 60_000), new Date(now + 120_000));
      await expect(client({ baseUrl: planned.url }).getCredit('1')).resolves.toMatchObject({ currency: 'RUB' });
    } finally {
      await planned.close();
    }
  });

  it('answers again once maintenance is over', async () => {
    simulator.setMaintenance(true, new Date(Date.now() - 1));
    await expect(client().getCredit('1')).resolves.toMatchObject({ limit: 1_000_000 });
  });

  it('reports injected 500s as retryable ServerError', async () => {
    simulator.failNext(1, 500);
    const failure = await failureOf(client().getCredit('1'));
    expect(failure.type).toBe(FINANCE_FAILURES.type.ServerError);
    expect(failure.nonRetryable).toBe(false);
    await expect(client().getCredit('1')).resolves.toMatchObject({ debt: 250_000 });
  });

  it('rejects a wrong token as Unauthorized, not retryable, without echoing either token', async () => {
    const wrongToken = 'fin-wrong-token-55aa';
    const failure = await failureOf(client({ apiToken: wrongToken }).getCredit('1'));
    expect(failure.type).toBe(FINANCE_FAILURES.type.Unauthorized);
    expect(failure.nonRetryable).toBe(true);
    expect(simulator.calls.at(-1)).toMatchObject({ authorized: false, status: 401 });
    expect(JSON.stringify(failure)).not.toContain(wrongToken);
    expect(logLines.join('')).not.toContain(wrongToken);
  });

  it('gives up after its own timeout with a retryable Unavailable', async () => {
    simulator.setLatency(5_000);
    const startedAt = Date.now();
    const failure = await failureOf(client({ timeoutMs: 150 }).getCredit('1'));
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(failure.type).toBe(FINANCE_FAILURES.type.Unavailable);
    expect(failure.nonRetryable).toBe(false);
    expect((failure.details?.[0] as FinanceUnavailableDetails).reason).toBe('timeout');
    expect(failure.category).toBeUndefined();
  });

  it('rethrows the caller abort reason unchanged, so a cancelled activity stays cancelled', async () => {
    simulator.setLatency(5_000);
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    const pending = client().getCredit('1', { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });

  it('reports a refused connection as a retryable Unavailable', async () => {
    const down = await startFinanceSimulator({ apiToken: API_TOKEN });
    const url = down.url;
    await down.close();
    const failure = await failureOf(client({ baseUrl: url }).getCredit('1'));
    expect(failure.type).toBe(FINANCE_FAILURES.type.Unavailable);
    expect(failure.details?.[0]).toMatchObject({ reason: 'network', code: 'ECONNREFUSED' });
  });

  it('treats a 404 from a wrong path as BadResponse, never as an unknown company', async () => {
    const failure = await failureOf(client({ baseUrl: `${simulator.url}/wrong-prefix` }).getCredit('1'));
    expect(failure.type).toBe(FINANCE_FAILURES.type.BadResponse);
    expect(failure.nonRetryable).toBe(true);
  });

  it('treats a credit body outside the contract as BadResponse', async () => {
    simulator.setCompany('broken', { limit: Number.NaN, debt: 0, currency: 'RUB' });
    const failure = await failureOf(client().getCredit('broken'));
    expect(failure.type).toBe(FINANCE_FAILURES.type.BadResponse);
    expect(failure.message).toContain('limit');
  });

  it('never wrote the API token into a log line or an error', () => {
    expect(logLines.length).toBeGreaterThan(5);
    expect(errorTexts.length).toBeGreaterThan(5);
    expect(logLines.join('\n')).not.toContain(API_TOKEN);
    expect(errorTexts.join('\n')).not.toContain(API_TOKEN);
  });
});
