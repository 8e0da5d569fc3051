import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';

export class ReadinessTimeoutError extends Error {
  override readonly name = 'ReadinessTimeoutError';
}

export interface WaitOptions {
  /** What is awaited, for the timeout message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Aborts the wait, e.g. when a child died meanwhile. */
  signal?: AbortSignal;
}

/** Polls `probe` until it returns true; rejects on timeout or abort. */
export async function waitUntil(probe: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    if (await probe()) return;
    if (Date.now() >= deadline) throw new ReadinessTimeoutError(`${options.what} was not ready after ${options.timeoutMs / 1000} s`);
    await delay(options.intervalMs ?? 250, undefined, { signal: options.signal }).catch((error: unknown) => {
      // timers/promises rejects with a generic AbortError; callers want the reason (which child died).
      throw options.signal?.aborted ? options.signal.reason : error;
    });
  }
}

export function probeTcp(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

export async function probeHttpOk(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** True once the frontend answers and the namespace exists: the port alone opens before the namespace is registered. */
export async function probeTemporalNamespace(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}
