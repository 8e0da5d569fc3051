import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttpOk, probeTcp, ReadinessTimeoutError, waitUntil } from '../../../scripts/start/readiness.js';

let httpServer: Server;
let baseUrl: string;
let readyAfterCalls = 3;

beforeAll(async () => {
  httpServer = createServer((request, response) => {
    if (request.url === '/readyz') {
      readyAfterCalls -= 1;
      response.statusCode = readyAfterCalls <= 0 ? 200 : 503;
    } else {
      response.statusCode = 404;
    }
    response.end();
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => httpServer.close(resolve));
});

async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('probes', () => {
  it('probeTcp tells an open port from a closed one', async () => {
    const { port } = httpServer.address() as AddressInfo;
    expect(await probeTcp('127.0.0.1', port)).toBe(true);
    expect(await probeTcp('127.0.0.1', await closedPort())).toBe(false);
  });

  it('probeHttpOk is true only for a 200', async () => {
    expect(await probeHttpOk(`${baseUrl}/missing`)).toBe(false);
    expect(await probeHttpOk(`http://127.0.0.1:${await closedPort()}/readyz`)).toBe(false);
  });
});

describe('waitUntil', () => {
  it('keeps polling until the service reports ready', async () => {
    readyAfterCalls = 3;
    await waitUntil(() => probeHttpOk(`${baseUrl}/readyz`), { what: 'api', timeoutMs: 5_000, intervalMs: 10 });
    expect(readyAfterCalls).toBe(0);
  });

  it('names what it waited for when it times out', async () => {
    await expect(waitUntil(async () => false, { what: 'the emulator', timeoutMs: 50, intervalMs: 10 })).rejects.toThrow(
      new ReadinessTimeoutError('the emulator was not ready after 0.05 s'),
    );
  });

  it('stops waiting as soon as the signal aborts (a child died)', async () => {
    const controller = new AbortController();
    const waiting = waitUntil(async () => false, { what: 'x', timeoutMs: 60_000, intervalMs: 10_000, signal: controller.signal });
    controller.abort(new Error('worker exited unexpectedly'));
    await expect(waiting).rejects.toThrow('worker exited unexpectedly');
  });
});
