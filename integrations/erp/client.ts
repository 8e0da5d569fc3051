import { createClientAsync, type Client } from 'soap';
import type { Logger } from 'pino';
import { classifyErpError } from './classify-error.js';
import { erpFailure } from './errors.js';
import type {
  CreateErpOrderInput,
  CreateErpOrderResult,
  ErpCallOptions,
  FindErpOrderResult,
} from './types.js';
import { ERP_WSDL_PATH } from './wsdl.js';

export { classifyErpError } from './classify-error.js';

export interface ErpClientOptions {
  /** Where to read the WSDL: a URL (`...?wsdl`) or a file; defaults to the erp.wsdl shipped with the service. */
  readonly wsdlUrl?: string;
  readonly wsdlPath?: string;
  /** The SOAP endpoint; overrides the address written in the WSDL. */
  readonly endpoint?: string;
  /** Deadline of one SOAP call, after which it fails with the retryable `Erp.Timeout`. */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

export interface ErpClient {
  createOrder(input: CreateErpOrderInput, options?: ErpCallOptions): Promise<CreateErpOrderResult>;
  findOrderByExternalId(externalId: string, options?: ErpCallOptions): Promise<FindErpOrderResult>;
}

const ErpOperation = {
  CreateOrder: 'CreateOrder',
  FindOrderByExternalId: 'FindOrderByExternalId',
} as const;
type ErpOperation = (typeof ErpOperation)[keyof typeof ErpOperation];

/** The ERP answers in 30–40 s on a bad day; a minute leaves room without hanging an activity forever. */
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Builds the ERP client once per worker. The SOAP client (parsed WSDL) is created on first use and cached; if that
 * fails (WSDL URL unreachable), the next call tries again. Every failure is a classified `ApplicationFailure`, except
 * cancellation through `signal`, which rethrows the signal's reason so Temporal records the activity as cancelled.
 */
export function createErpClient(options: ErpClientOptions = {}): ErpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const wsdlSource = options.wsdlUrl ?? options.wsdlPath ?? ERP_WSDL_PATH;
  let soapClient: Promise<Client> | undefined;

  function getSoapClient(): Promise<Client> {
    soapClient ??= createClientAsync(wsdlSource, {
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      wsdl_options: { timeout: timeoutMs },
    }).catch((error: unknown) => {
      soapClient = undefined;
      throw error;
    });
    return soapClient;
  }

  async function call(
    operation: ErpOperation,
    args: object,
    externalId: string,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    signal?.throwIfAborted();
    const deadline = AbortSignal.timeout(timeoutMs);
    const requestSignal = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const startedAt = performance.now();
    try {
      const client = await abortable(getSoapClient(), requestSignal);
      const method = client[`${operation}Async`] as (args: object, options: object) => Promise<[unknown]>;
      const [result] = await method.call(client, args, { signal: requestSignal });
      options.logger?.debug({ operation, externalId, durationMs: elapsed(startedAt) }, 'ERP call succeeded');
      return result;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const failure = deadline.aborted
        ? erpFailure('Timeout', `ERP ${operation} did not answer within ${timeoutMs} ms`, { operation })
        : classifyErpError(error, operation);
      const outcome = { failureType: failure.type, retryable: !failure.nonRetryable };
      options.logger?.debug({ operation, externalId, durationMs: elapsed(startedAt), ...outcome }, 'ERP call failed');
      throw failure;
    }
  }

  return {
    async createOrder(input, callOptions = {}) {
      const request = toCreateOrderRequest(input);
      const result = await call(ErpOperation.CreateOrder, request, input.externalId, callOptions.signal);
      const orderNumber = stringField(result, 'OrderNumber');
      if (!orderNumber) throw missingField(ErpOperation.CreateOrder, 'OrderNumber');
      return { orderNumber, created: field(result, 'Created') === true };
    },

    async findOrderByExternalId(externalId, callOptions = {}) {
      const request = { ExternalId: externalId };
      const result = await call(ErpOperation.FindOrderByExternalId, request, externalId, callOptions.signal);
      if (field(result, 'Found') !== true) return { found: false };
      const orderNumber = stringField(result, 'OrderNumber');
      if (!orderNumber) throw missingField(ErpOperation.FindOrderByExternalId, 'OrderNumber');
      return { found: true, orderNumber };
    },
  };
}

function toCreateOrderRequest(input: CreateErpOrderInput): object {
  return {
    ExternalId: input.externalId,
    Customer: { Id: input.customer.id, Name: input.customer.name },
    Currency: input.currency,
    Lines: {
      Line: input.lines.map((line) => ({
        ProductId: line.productId,
        ProductName: line.productName,
        Quantity: line.quantity,
        Price: line.price,
      })),
    },
  };
}

function missingField(operation: ErpOperation, name: string): Error {
  return erpFailure('ServerError', `ERP ${operation} answered without ${name}`, { operation });
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function stringField(value: unknown, key: string): string | undefined {
  const text = field(value, key);
  return typeof text === 'string' && text.length > 0 ? text : undefined;
}

function elapsed(startedAt: number): number {
  return Math.round(performance.now() - startedAt);
}

/** Lets a caller stop waiting for the shared WSDL load without cancelling it for everyone else. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
