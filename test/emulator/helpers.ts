import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import qs from 'qs';
import type { Bitrix24Emulator } from '../../emulators/bitrix24/index.js';

export interface CapturedRequest {
  url: string;
  headers: IncomingHttpHeaders;
  raw: string;
  form: Record<string, unknown>;
}

/** A real loopback HTTP server that records what the emulator POSTs to it (our stand-in for the app). */
export async function startCaptureServer(
  respond: (request: CapturedRequest) => Promise<unknown> | unknown = () => ({ status: 'queued' }),
): Promise<{ url: string; requests: CapturedRequest[]; close(): Promise<void> }> {
  const requests: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const captured = { url: req.url ?? '', headers: req.headers, raw, form: qs.parse(raw, { depth: 10 }) as Record<string, unknown> };
      requests.push(captured);
      Promise.resolve(respond(captured)).then(
        (body) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/handler`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

export interface RestAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function callRest(endpoint: string, method: string, params: Record<string, unknown>): Promise<RestAnswer> {
  const response = await fetch(`${endpoint}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Installs the app against a capture server and returns the tokens Bitrix24 delivered with ONAPPINSTALL. */
export async function installForTokens(emulator: Bitrix24Emulator): Promise<{ accessToken: string; refreshToken: string }> {
  const capture = await startCaptureServer();
  try {
    await emulator.installApp(capture.url);
    const auth = capture.requests[0]?.form.auth as Record<string, string>;
    return { accessToken: String(auth.access_token), refreshToken: String(auth.refresh_token) };
  } finally {
    await capture.close();
  }
}
