import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FINANCE_API_TOKEN, startFinanceSimulator, type FinanceSimulator } from '../../../emulators/finance/simulator.js';

let simulator: FinanceSimulator;

beforeAll(async () => {
  simulator = await startFinanceSimulator();
});

afterAll(async () => {
  await simulator.close();
});

async function credit(companyId: string, token: string | null = DEFAULT_FINANCE_API_TOKEN) {
  const response = await fetch(`${simulator.url}/api/v1/companies/${companyId}/credit`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

describe('finance simulator wire format', () => {
  it('serves the demo companies, one of them close to its limit', async () => {
    const answers = await Promise.all(['1', '2', '3', '4', '5'].map((id) => credit(id)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[0]?.body).toEqual({ companyId: '1', limit: expect.any(Number), debt: expect.any(Number), currency: 'RUB' });
    const nearLimit = answers.map((answer) => answer.body as { limit: number; debt: number }).filter(({ limit, debt }) => debt < limit && debt >= limit * 0.9);
    expect(nearLimit.length).toBeGreaterThanOrEqual(1);
  });

  it('answers 401 with WWW-Authenticate without a token', async () => {
    const answer = await credit('1', null);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: 'UNAUTHORIZED' });
    expect(answer.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('answers 503 MAINTENANCE with until and Retry-After', async () => {
    const until = new Date(Date.now() + 30_000);
    simulator.setMaintenance(true, until);
    try {
      const answer = await credit('1');
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({ error: 'MAINTENANCE', until: until.toISOString() });
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    } finally {
      simulator.setMaintenance(false);
    }
  });

  it('reports a wrong token before maintenance', async () => {
    simulator.setMaintenance(true);
    try {
      expect((await credit('1', 'not-the-token')).status).toBe(401);
    } finally {
      simulator.setMaintenance(false);
    }
  });

  it('injects the given failures, then recovers', async () => {
    simulator.failNext(2, 502);
    expect((await credit('1')).status).toBe(502);
    expect((await credit('1')).status).toBe(502);
    expect((await credit('1')).status).toBe(200);
  });
});
