import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { listen, type IServices, type Server as SoapServer } from 'soap';
import { createLogger } from '../../lib/logger.js';
import { handleControlRequest, type SimulatorControls } from './control-routes.js';
import { externalIdOf } from './create-order-request.js';
import { answerOperation, immediateFailure, type ErpAnswer } from './erp-answers.js';
import { FaultPlan, type InjectedFailureKind, type OutageWindow } from './fault-plan.js';
import { pickLatencyMs, type LatencySetting } from './latency.js';
import { OrderBook, type SimulatedOrder } from './order-book.js';
import {
  ErpCallOutcome,
  ErpOperationName,
  type MutableRecordedCall,
  type RecordedCall,
} from './recorded-call.js';

export interface ErpSimulatorOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Time the ERP spends on each call it processes; 0 by default. */
  readonly latencyMs?: LatencySetting;
  readonly logger?: Logger;
}

export interface ErpSimulator {
  /** Base URL, e.g. `http://127.0.0.1:3102`. */
  readonly url: string;
  readonly wsdlUrl: string;
  /** The SOAP endpoint (`<url>/erp`). */
  readonly endpoint: string;
  /** Orders keyed by external id. */
  readonly orders: ReadonlyMap<string, SimulatedOrder>;
  /** Every call in arrival order; entries are updated in place when the answer is known. */
  readonly calls: readonly RecordedCall[];
  setLatency(latency: LatencySetting): void;
  setOutage(on: boolean): void;
  addOutageWindow(window: OutageWindow): void;
  rejectExternalIds(externalIds: Iterable<string>, reason: string): void;
  failNext(count: number, kind: InjectedFailureKind): void;
  /** Resolves once every call received so far has been answered (or dropped). */
  settled(): Promise<void>;
  /** Drops calls still waiting out their latency, closes every connection and the server. */
  close(): Promise<void>;
}

export const ERP_SOAP_PATH = '/erp';

/** The ERP's published contract, served at `?wsdl`; our client ships a copy (integrations/erp/erp.wsdl). */
export const ERP_WSDL_PATH = fileURLToPath(new URL('./erp.wsdl', import.meta.url));
/** The address written in erp.wsdl; the simulator substitutes its real one. */
const WSDL_PLACEHOLDER_ADDRESS = 'http://127.0.0.1:3102/erp';

type SoapCallback = (answer: unknown) => void;

/**
 * A real SOAP server on loopback speaking erp.wsdl. Orders are processed after the latency, even if the client has
 * gone away by then, as a real ERP would: that is the lost-answer case a retry must not turn into a duplicate.
 */
export async function startErpSimulator(options: ErpSimulatorOptions = {}): Promise<ErpSimulator> {
  const logger = options.logger ?? createLogger({ name: 'erp-simulator' });
  const book = new OrderBook();
  const plan = new FaultPlan();
  const calls: MutableRecordedCall[] = [];
  const inFlight = new Set<Promise<void>>();
  const closing = new AbortController();
  let latency: LatencySetting = options.latencyMs ?? 0;

  const controls: SimulatorControls = {
    orders: book.orders,
    calls,
    setLatency(next: LatencySetting) {
      latency = next;
    },
    setOutage: (on: boolean) => plan.setOutage(on),
    addOutageWindow: (window: OutageWindow) => plan.addOutageWindow(window),
    rejectExternalIds: (externalIds: Iterable<string>, reason: string) => plan.rejectExternalIds(externalIds, reason),
    failNext: (count: number, kind: InjectedFailureKind) => plan.failNext(count, kind),
  };

  const httpServer = createServer((request, response) => {
    void handleControlRequest(request, response, controls).catch((error: unknown) => {
      logger.error({ err: error }, 'ERP simulator control request failed');
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const address = httpServer.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const endpoint = `${url}${ERP_SOAP_PATH}`;

  async function handleCall(
    operation: ErpOperationName,
    args: unknown,
    response: ServerResponse | undefined,
  ): Promise<ErpAnswer | undefined> {
    const call: MutableRecordedCall = {
      operation,
      externalId: externalIdOf(args),
      at: new Date(),
      outcome: ErpCallOutcome.Pending,
      clientDisconnected: false,
    };
    calls.push(call);
    response?.once('close', () => {
      if (!response.writableFinished) call.clientDisconnected = true;
    });

    let answer = immediateFailure(plan, call.at);
    if (!answer) {
      try {
        await delay(pickLatencyMs(latency), undefined, { signal: closing.signal });
      } catch {
        call.outcome = ErpCallOutcome.Dropped;
        return undefined;
      }
      answer = answerOperation(operation, args, book, plan);
    }

    call.outcome = answer.outcome;
    call.httpStatus = answer.kind === 'result' ? 200 : answer.httpStatus;
    if (answer.kind === 'fault') call.faultCode = answer.faultCode;
    const orderNumber = answer.kind === 'result' ? answer.body.OrderNumber : undefined;
    if (typeof orderNumber === 'string') call.orderNumber = orderNumber;
    logger.debug({ operation, externalId: call.externalId, outcome: call.outcome }, 'ERP simulator answered');
    return answer;
  }

  function serviceMethod(operation: ErpOperationName) {
    return (
      args: unknown,
      callback?: SoapCallback,
      _headers?: unknown,
      _request?: IncomingMessage,
      response?: ServerResponse,
    ) => {
      const done = handleCall(operation, args, response).then((answer) => {
        if (answer && callback && response && !response.destroyed) send(answer, callback, response);
      });
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
    };
  }

  const services: IServices = {
    ErpService: {
      ErpPort: {
        CreateOrder: serviceMethod(ErpOperationName.CreateOrder),
        FindOrderByExternalId: serviceMethod(ErpOperationName.FindOrderByExternalId),
      },
    },
  };
  try {
    const wsdl = (await readFile(ERP_WSDL_PATH, 'utf8')).replace(WSDL_PLACEHOLDER_ADDRESS, endpoint);
    await new Promise<SoapServer>((resolve, reject) => {
      const soapServer = listen(httpServer, {
        path: ERP_SOAP_PATH,
        services,
        xml: wsdl,
        suppressStack: true,
        callback: (error: unknown) => {
          if (error) reject(error instanceof Error ? error : new Error(String(error)));
          else resolve(soapServer);
        },
      });
    });
  } catch (error) {
    httpServer.close();
    throw error;
  }

  logger.debug({ url }, 'ERP simulator listening');

  return {
    url,
    wsdlUrl: `${endpoint}?wsdl`,
    endpoint,
    ...controls,
    async settled() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
    async close() {
      closing.abort();
      await Promise.all(inFlight);
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeAllConnections();
      await closed;
    },
  };
}

function send(answer: ErpAnswer, callback: SoapCallback, response: ServerResponse): void {
  switch (answer.kind) {
    case 'result':
      callback(answer.body);
      return;
    case 'fault':
      callback({ Fault: { faultcode: answer.faultCode, faultstring: answer.message, statusCode: answer.httpStatus } });
      return;
    case 'raw':
      response.writeHead(answer.httpStatus, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(answer.body);
      return;
  }
}
