import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createErpClient, type ErpClient } from '../../../integrations/erp/client.js';
import { ERP_FAILURES } from '../../../integrations/erp/errors.js';
import type { CreateErpOrderInput } from '../../../integrations/erp/types.js';
import { ERP_WSDL_PATH as SIMULATOR_WSDL_PATH, startErpSimulator, type ErpSimulator } from '../../../emulators/erp/simulator.js';
import { ERP_WSDL_PATH as CLIENT_WSDL_PATH } from '../../../integrations/erp/wsdl.js';
import { createLogger } from '../../../lib/logger.js';

const logger = createLogger({ level: 'silent' });

function orderInput(externalId: string): CreateErpOrderInput {
  return {
    externalId,
    customer: { id: 'COMPANY_3', name: 'Acme' },
    currency: 'EUR',
    lines: [{ productId: 'SKU-1', productName: 'Gear', quantity: 2, price: 10 }],
  };
}

describe('ERP simulator', () => {
  it("publishes the WSDL our client ships: the ERP's contract and the client's copy are the same document", () => {
    expect(readFileSync(CLIENT_WSDL_PATH, 'utf8')).toBe(readFileSync(SIMULATOR_WSDL_PATH, 'utf8'));
  });

  let simulator: ErpSimulator;
  let client: ErpClient;

  beforeEach(async () => {
    simulator = await startErpSimulator({ logger });
    client = createErpClient({ endpoint: simulator.endpoint, timeoutMs: 5_000, logger });
  });

  afterEach(async () => {
    await simulator.close();
  });

  it('creates one order when the same external id arrives concurrently', async () => {
    simulator.setLatency([20, 60]);

    const results = await Promise.all(Array.from({ length: 5 }, () => client.createOrder(orderInput('deal/201'))));

    expect(new Set(results.map((result) => result.orderNumber)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(simulator.orders.size).toBe(1);
  });

  it('numbers orders ERP-000001, ERP-000002, ... and records each call', async () => {
    await client.createOrder(orderInput('deal/202'));
    await client.createOrder(orderInput('deal/203'));
    await client.findOrderByExternalId('deal/203');

    expect([...simulator.orders.values()].map((order) => order.orderNumber)).toEqual(['ERP-000001', 'ERP-000002']);
    const summary = simulator.calls.map(({ operation, externalId, outcome, orderNumber }) => ({
      operation,
      externalId,
      outcome,
      orderNumber,
    }));
    expect(summary).toEqual([
      { operation: 'CreateOrder', externalId: 'deal/202', outcome: 'created', orderNumber: 'ERP-000001' },
      { operation: 'CreateOrder', externalId: 'deal/203', outcome: 'created', orderNumber: 'ERP-000002' },
      { operation: 'FindOrderByExternalId', externalId: 'deal/203', outcome: 'found', orderNumber: 'ERP-000002' },
    ]);
    expect(simulator.calls.every((call) => call.at instanceof Date)).toBe(true);
  });

  it('returns an existing order even after its external id was rejected', async () => {
    const first = await client.createOrder(orderInput('deal/204'));
    simulator.rejectExternalIds(['deal/204'], 'Customer blocked');

    await expect(client.createOrder(orderInput('deal/204'))).resolves.toEqual({
      orderNumber: first.orderNumber,
      created: false,
    });
  });

  it('answers Unavailable inside an outage window and normally outside it', async () => {
    const now = Date.now();
    simulator.addOutageWindow({ from: new Date(now - 60_000), to: new Date(now - 1_000) });
    await expect(client.createOrder(orderInput('deal/205'))).resolves.toMatchObject({ created: true });

    simulator.addOutageWindow({ from: new Date(now - 1_000), to: new Date(now + 60_000) });
    await expect(client.findOrderByExternalId('deal/205')).rejects.toMatchObject({ type: ERP_FAILURES.type.Unavailable });
    expect(simulator.calls.at(-1)).toMatchObject({ outcome: 'unavailable', faultCode: 'soap:Server.Unavailable' });
  });

  it('fails exactly the next n calls', async () => {
    simulator.failNext(2, 'unavailable');

    await expect(client.findOrderByExternalId('deal/206')).rejects.toMatchObject({ type: ERP_FAILURES.type.Unavailable });
    await expect(client.findOrderByExternalId('deal/206')).rejects.toMatchObject({ type: ERP_FAILURES.type.Unavailable });
    await expect(client.findOrderByExternalId('deal/206')).resolves.toEqual({ found: false });
  });

  it('rejects orders without lines as a validation fault', async () => {
    await expect(client.createOrder({ ...orderInput('deal/207'), lines: [] })).rejects.toMatchObject({
      type: ERP_FAILURES.type.Validation,
      nonRetryable: true,
    });
    expect(simulator.calls[0]).toMatchObject({
      outcome: 'invalid',
      faultCode: 'soap:Client.Validation',
      httpStatus: 500,
    });
  });

  it('closes at once while a call waits out a 30 s latency, dropping the call', async () => {
    simulator.setLatency(30_000);
    const pending = client.createOrder(orderInput('deal/208')).catch((error: unknown) => error);
    await expect.poll(() => simulator.calls.length).toBe(1);

    const startedAt = performance.now();
    await simulator.close();

    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(simulator.calls[0]?.outcome).toBe('dropped');
    expect(simulator.orders.size).toBe(0);
    await expect(pending).resolves.toMatchObject({ type: ERP_FAILURES.type.Unavailable });
  });

  it('is controlled over HTTP for demos', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${simulator.url}${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });

    expect((await post('/control/outage', { on: true })).status).toBe(204);
    await expect(client.findOrderByExternalId('deal/209')).rejects.toMatchObject({ type: ERP_FAILURES.type.Unavailable });
    expect((await post('/control/outage', { on: false })).status).toBe(204);
    expect((await post('/control/fail-next', { count: 1, kind: 'sometimes' })).status).toBe(400);

    await client.createOrder(orderInput('deal/209'));
    const response = await fetch(`${simulator.url}/control/orders`);
    const orders = (await response.json()) as { externalId: string; orderNumber: string }[];
    expect(orders).toMatchObject([{ externalId: 'deal/209', orderNumber: 'ERP-000001' }]);
  });
});
