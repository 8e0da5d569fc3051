import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { InjectedFailureKind, type OutageWindow } from './fault-plan.js';
import type { LatencySetting } from './latency.js';
import type { SimulatedOrder } from './order-book.js';
import type { RecordedCall } from './recorded-call.js';

/** The part of the simulator the HTTP control routes drive (for demos and scripts; tests use the object directly). */
export interface SimulatorControls {
  readonly orders: ReadonlyMap<string, SimulatedOrder>;
  readonly calls: readonly RecordedCall[];
  setLatency(latency: LatencySetting): void;
  setOutage(on: boolean): void;
  addOutageWindow(window: OutageWindow): void;
  rejectExternalIds(externalIds: Iterable<string>, reason: string): void;
  failNext(count: number, kind: InjectedFailureKind): void;
}

const milliseconds = z.number().int().nonnegative();
const latencyBody = z.object({ latencyMs: z.union([milliseconds, z.tuple([milliseconds, milliseconds])]) });
const outageBody = z.object({ on: z.boolean() });
const outageWindowBody = z.object({ from: z.coerce.date(), to: z.coerce.date() });
const rejectBody = z.object({ externalIds: z.array(z.string().min(1)).min(1), reason: z.string().min(1) });
const failNextBody = z.object({
  count: z.number().int().nonnegative(),
  kind: z.enum(Object.values(InjectedFailureKind)),
});

const MAX_BODY_BYTES = 64 * 1024;

/** Routes outside the SOAP path: `GET /health`, `GET /control/orders|calls`, `POST /control/<setting>` with JSON. */
export async function handleControlRequest(
  request: IncomingMessage,
  response: ServerResponse,
  controls: SimulatorControls,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://simulator').pathname;
  const route = `${request.method ?? 'GET'} ${path}`;

  if (route === 'GET /health') return reply(response, 200, { status: 'ok' });
  if (route === 'GET /control/orders') return reply(response, 200, [...controls.orders.values()]);
  if (route === 'GET /control/calls') return reply(response, 200, controls.calls);
  if (request.method !== 'POST' || !path.startsWith('/control/')) return reply(response, 404, { error: 'not found' });

  const body = await readJson(request);
  const apply = (): boolean => {
    switch (path) {
      case '/control/latency':
        controls.setLatency(latencyBody.parse(body).latencyMs);
        return true;
      case '/control/outage':
        controls.setOutage(outageBody.parse(body).on);
        return true;
      case '/control/outage-window':
        controls.addOutageWindow(outageWindowBody.parse(body));
        return true;
      case '/control/reject': {
        const { externalIds, reason } = rejectBody.parse(body);
        controls.rejectExternalIds(externalIds, reason);
        return true;
      }
      case '/control/fail-next': {
        const { count, kind } = failNextBody.parse(body);
        controls.failNext(count, kind);
        return true;
      }
      default:
        return false;
    }
  };
  try {
    return apply() ? reply(response, 204) : reply(response, 404, { error: 'not found' });
  } catch (error) {
    return reply(response, 400, { error: error instanceof Error ? error.message : 'bad request' });
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('Control request body too large');
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text ? (JSON.parse(text) as unknown) : {};
  } catch {
    return undefined;
  }
}

function reply(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
