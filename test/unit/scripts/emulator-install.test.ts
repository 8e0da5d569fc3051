import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorInstallError, installAppIntoEmulator } from '../../../scripts/start/emulator-install.js';

const received: { method?: string; url?: string; contentType?: string; body: string }[] = [];
let respondWith: { status: number; body: string } = { status: 200, body: '{"installed":true}' };
let server: Server;
let emulatorUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ method: request.method, url: request.url, contentType: request.headers['content-type'], body });
      response.writeHead(respondWith.status, { 'content-type': 'application/json' }).end(respondWith.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  emulatorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('installAppIntoEmulator', () => {
  it('POSTs the install URL as JSON to the control API', async () => {
    await installAppIntoEmulator(emulatorUrl, 'http://127.0.0.1:3000/bitrix24/install');
    expect(received.at(-1)).toEqual({
      method: 'POST',
      url: '/_emulator/install',
      contentType: 'application/json',
      body: '{"installUrl":"http://127.0.0.1:3000/bitrix24/install"}',
    });
  });

  it('fails with the status and error fields but never echoes the rest of the body', async () => {
    respondWith = { status: 502, body: '{"error":"INSTALL_FAILED","error_description":"handler answered 500","access_token":"tok-123"}' };
    const failure = await installAppIntoEmulator(emulatorUrl, 'http://127.0.0.1:3000/bitrix24/install').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EmulatorInstallError);
    expect((failure as Error).message).toBe(
      'installing the app into the emulator failed: HTTP 502 (INSTALL_FAILED: handler answered 500)',
    );
  });
});
