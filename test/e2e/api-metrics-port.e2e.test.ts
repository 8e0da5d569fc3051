import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the API process serves /metrics only on API_METRICS_PORT', () => {
  it('the public port answers /metrics with 404; the metrics port serves the ingress counters of the requests it took', async () => {
    const health = await fetch(`${stack.apiUrl}/healthz`);
    expect(health.status).toBe(200);

    const publicScrape = await fetch(`${stack.apiUrl}/metrics`);
    expect(publicScrape.status).toBe(404);
    expect(await publicScrape.text()).not.toContain('b24_ingress');

    const scrape = await fetch(`http://127.0.0.1:${stack.env.API_METRICS_PORT}/metrics`);
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    // The install the stack made and the probes above were counted.
    expect(text).toMatch(/b24_ingress_requests_total\{[^}]*route="\/bitrix24\/install"/);
    expect(text).toMatch(/b24_ingress_requests_total\{[^}]*route="\/healthz"/);
    expect(stack.api.lines.join('\n')).toContain('API metrics listening');
  });
});
