import { createServer, type AddressInfo } from 'node:net';
import { ApplicationFailure, ApplicationFailureCategory, CancelledFailure } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createErpClient, type ErpClient } from '../../../integrations/erp/client.js';
import { ERP_FAILURES } from '../../../integrations/erp/errors.js';
import type { CreateErpOrderInput, ErpOrderLine } from '../../../integrations/erp/types.js';
import { startErpSimulator, type ErpSimulator } from '../../../emulators/erp/simulator.js';
import { createLogger } from '../../../lib/logger.js';

const logger = createLogger({ level: 'silent' });

const CUSTOMER = { id: 'COMPANY_17', name: 'ООО «Ромашка» & Sons <main>' };

function orderInput(externalId: string, lines: readonly ErpOrderLine[] = [sampleLine(1)]): CreateErpOrderInput {
  return { externalId, customer: CUSTOMER, currency: 'RUB', lines };
}

function sampleLine(index: number): ErpOrderLine {
  return {
    productId: `SKU-${index}`,
    productName: `Bolt M${index} "zinc" & <nut>`,
    quantity: index + 0.5,
    price: 1999.99 + index / 100,
  };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ERP SOAP client against the simulator', () => {
  let simulator: ErpSimulator;
  let client: ErpClient;

  beforeEach(async () => {
    simulator = await startErpSimulator({ logger });
    client = createErpClient({ endpoint: simulator.endpoint, timeoutMs: 5_000, logger });
  });

  afterEach(async () => {
    await simulator.close();
  });

  it('creates an order and returns its number', async () => {
    const result = await client.createOrder(orderInput('deal/101'));

    expect(result).toEqual({ orderNumber: 'ERP-000001', created: true });
    expect(simulator.orders.get('deal/101')?.orderNumber).toBe('ERP-000001');
  });

  it('creates one order for one external id, however often it is asked', async () => {
    const first = await client.createOrder(orderInput('deal/102'));
    const second = await client.createOrder(orderInput('deal/102'));

    expect(second).toEqual({ orderNumber: first.orderNumber, created: false });
    expect(simulator.orders.size).toBe(1);
    expect(simulator.calls.map((call) => call.outcome)).toEqual(['created', 'existing']);
  });

  it('finds an order by external id, and says so when there is none', async () => {
    const { orderNumber } = await client.createOrder(orderInput('deal/103'));

    await expect(client.findOrderByExternalId('deal/103')).resolves.toEqual({ found: true, orderNumber });
    await expect(client.findOrderByExternalId('deal/404')).resolves.toEqual({ found: false });
  });

  it('loads the WSDL from the server when given a wsdlUrl', async () => {
    const urlClient = createErpClient({ wsdlUrl: simulator.wsdlUrl, logger });

    await expect(urlClient.createOrder(orderInput('deal/104'))).resolves.toMatchObject({ created: true });
  });

  it('carries 120 lines with special characters and decimals through intact', async () => {
    const lines = Array.from({ length: 120 }, (_, index) => sampleLine(index + 1));

    await client.createOrder(orderInput('deal/105', lines));

    const stored = simulator.orders.get('deal/105');
    expect(stored?.lines).toEqual(lines);
    expect(stored?.customer).toEqual(CUSTOMER);
  });

  it('turns a business rejection into a non-retryable Erp.Rejected', async () => {
    simulator.rejectExternalIds(['deal/106'], 'Customer COMPANY_17 is blocked for shipments');

    const failure = await failureOf(client.createOrder(orderInput('deal/106')));

    expect(failure).toMatchObject({ type: ERP_FAILURES.type.Rejected, nonRetryable: true });
    expect(failure.message).toContain('Customer COMPANY_17 is blocked for shipments');
    expect(failure.details).toEqual([
      { operation: 'CreateOrder', faultCode: 'soap:Client.BusinessRejection', httpStatus: 500 },
    ]);
    expect(simulator.orders.has('deal/106')).toBe(false);
  });

  it('turns a validation fault into a non-retryable Erp.Validation', async () => {
    const failure = await failureOf(client.createOrder({ ...orderInput('deal/107'), currency: 'rubles' }));

    expect(failure).toMatchObject({ type: ERP_FAILURES.type.Validation, nonRetryable: true });
    expect(failure.message).toContain('Currency');
  });

  it('turns an outage into a retryable, benign Erp.Unavailable', async () => {
    simulator.setOutage(true);

    const failure = await failureOf(client.createOrder(orderInput('deal/108')));

    expect(failure).toMatchObject({ type: ERP_FAILURES.type.Unavailable, nonRetryable: false });
    expect(failure.category).toBe(ApplicationFailureCategory.BENIGN);
    expect(simulator.orders.size).toBe(0);

    simulator.setOutage(false);
    await expect(client.createOrder(orderInput('deal/108'))).resolves.toMatchObject({ created: true });
  });

  it('classifies a soap:Server fault the same whether it came with HTTP 500 or HTTP 200', async () => {
    simulator.failNext(1, 'http500-fault');
    simulator.failNext(1, 'http200-fault');

    const over500 = await failureOf(client.createOrder(orderInput('deal/109')));
    const over200 = await failureOf(client.createOrder(orderInput('deal/109')));

    expect(simulator.calls.map((call) => call.httpStatus)).toEqual([500, 200]);
    for (const failure of [over500, over200]) {
      expect(failure).toMatchObject({ type: ERP_FAILURES.type.ServerError, nonRetryable: false });
      expect(failure.details?.[0]).toMatchObject({ faultCode: 'soap:Server' });
    }
    expect(over200.details?.[0]).toMatchObject({ httpStatus: 200 });
  });

  it('turns an HTTP 500 without a SOAP envelope into a retryable Erp.ServerError', async () => {
    simulator.failNext(1, 'server');

    const failure = await failureOf(client.findOrderByExternalId('deal/110'));

    expect(failure).toMatchObject({ type: ERP_FAILURES.type.ServerError, nonRetryable: false });
    expect(failure.details).toEqual([{ operation: 'FindOrderByExternalId', httpStatus: 500 }]);
  });

  it('turns a refused connection into a retryable Erp.Unavailable', async () => {
    const port = await refusedPort();
    const downClient = createErpClient({ endpoint: `http://127.0.0.1:${port}/erp`, logger });

    const failure = await failureOf(downClient.createOrder(orderInput('deal/111')));

    expect(failure).toMatchObject({ type: ERP_FAILURES.type.Unavailable, nonRetryable: false });
    expect(failure.details?.[0]).toMatchObject({ networkCode: 'ECONNREFUSED' });
  });

  it('turns an unreachable WSDL URL into Erp.Unavailable and loads it once the ERP is back', async () => {
    const port = await refusedPort();
    const lateClient = createErpClient({ wsdlUrl: `http://127.0.0.1:${port}/erp?wsdl`, logger });

    const failure = await failureOf(lateClient.findOrderByExternalId('deal/112'));
    expect(failure).toMatchObject({ type: ERP_FAILURES.type.Unavailable, nonRetryable: false });

    const lateSimulator = await startErpSimulator({ port, logger });
    try {
      await expect(lateClient.findOrderByExternalId('deal/112')).resolves.toEqual({ found: false });
      expect(lateSimulator.calls).toHaveLength(1);
    } finally {
      await lateSimulator.close();
    }
  });

  it('cancels a slow call on abort, on the wire and at once, rethrowing the abort reason', async () => {
    simulator.setLatency(5_000);
    const controller = new AbortController();
    const startedAt = performance.now();
    const pending = client.createOrder(orderInput('deal/113'), { signal: controller.signal });
    await vi.waitFor(() => expect(simulator.calls).toHaveLength(1));

    // Temporal aborts an activity's cancellationSignal with a CancelledFailure; the worker needs it back as is.
    const reason = new CancelledFailure('activity cancelled');
    controller.abort(reason);

    await expect(pending).rejects.toBe(reason);
    expect(performance.now() - startedAt).toBeLessThan(2_000);
    await vi.waitFor(() => expect(simulator.calls[0]?.clientDisconnected).toBe(true));
  });

  it('does not call the ERP with an already aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();

    await expect(client.findOrderByExternalId('deal/115', { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(simulator.calls).toHaveLength(0);
  });

  it('times out with a retryable Erp.Timeout, and the retry gets the order the ERP made meanwhile', async () => {
    simulator.setLatency(600);
    const impatientClient = createErpClient({ endpoint: simulator.endpoint, timeoutMs: 150, logger });

    const failure = await failureOf(impatientClient.createOrder(orderInput('deal/114')));
    expect(failure).toMatchObject({ type: ERP_FAILURES.type.Timeout, nonRetryable: false });
    expect(failure.category).toBe(ApplicationFailureCategory.BENIGN);

    // The ERP kept working after the client gave up: the answer was lost, the order was not.
    await simulator.settled();
    const lost = simulator.orders.get('deal/114');
    expect(lost).toBeDefined();

    simulator.setLatency(0);
    const retried = await client.createOrder(orderInput('deal/114'));
    expect(retried).toEqual({ orderNumber: lost?.orderNumber, created: false });
    expect(simulator.orders.size).toBe(1);
  });
});
