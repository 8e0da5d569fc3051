import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { READINESS_TIMEOUT_MS } from '../../../api/routes/health.js';
import { buildTestApp, type TestApp } from './fakes.js';

describe('health routes', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(async () => {
    await t.app.close();
  });

  it('GET /healthz answers ok without asking Temporal', async () => {
    let asked = false;
    t.health.healthy = async () => {
      asked = true;
      return false;
    };
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    expect(asked).toBe(false);
  });

  it('GET /readyz is 200 when Temporal is healthy', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready' });
  });

  it('GET /readyz is 503 when Temporal reports unhealthy', async () => {
    t.health.healthy = async () => false;
    const response = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'unavailable', error: 'NOT_READY' });
  });

  it('GET /readyz is 503 when the check fails', async () => {
    t.health.healthy = async () => {
      throw new Error('connection refused');
    };
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
  });

  it('GET /readyz is 503 within the timeout when the check never settles', async () => {
    t.health.healthy = () => new Promise<boolean>(() => undefined);
    const started = Date.now();
    const response = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(Date.now() - started).toBeLessThan(READINESS_TIMEOUT_MS + 500);
  });
});
