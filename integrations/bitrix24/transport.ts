import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, fetch as undiciFetch, type Dispatcher, type RequestInit, type Response } from 'undici';
import { redactText } from '../../lib/logger.js';
import { Bitrix24Error, Bitrix24LocalError } from './errors.js';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** Per request, redirects included. Keep it below the activity's start-to-close timeout. */
  httpTimeoutMs: number;
  /** PEM file of a private CA (on-premise portals), added to Node's trusted roots; verification stays on. */
  caBundlePath?: string | undefined;
  fetchImpl?: FetchLike | undefined;
  maxRedirects?: number;
  userAgent?: string;
}

export interface HttpReply {
  status: number;
  /** Parsed JSON, or undefined when the body was not JSON. */
  json: unknown;
  durationMs: number;
  /** The URL that answered: `request.url`, or where its redirects led. */
  url: string;
}

export interface PostRequest {
  url: string;
  contentType: 'application/json' | 'application/x-www-form-urlencoded';
  body: string;
  /** Names the call in errors (the REST method, `oauth.token`). */
  label: string;
  signal?: AbortSignal | undefined;
  /**
   * Whether a redirect to another origin may be followed with this body (which carries tokens or secrets). Redirects
   * within the same origin are always followed; without this, redirects to any other origin are refused.
   */
  mayFollowTo?: ((next: URL) => boolean) | undefined;
}

export interface Transport {
  post(request: PostRequest): Promise<HttpReply>;
  close(): Promise<void>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function createDispatcher(caBundlePath: string | undefined): Agent {
  if (caBundlePath === undefined) return new Agent();
  // Passing `ca` replaces Node's roots, so keep them and add the private CA.
  return new Agent({ connect: { ca: [...rootCertificates, readFileSync(caBundlePath, 'utf8')] } });
}

function describeNetworkFailure(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return redactText(code === undefined ? cause.message : `${code}: ${cause.message}`);
  }
  return 'unknown network failure';
}

/**
 * POSTs bodies over undici with a timeout, the caller's AbortSignal, and POST-preserving redirects. Every hop of a
 * redirect chain is checked: the body goes to another origin only when the caller's `mayFollowTo` allows that origin.
 */
export function createTransport(options: TransportOptions): Transport {
  const dispatcher: Dispatcher = createDispatcher(options.caBundlePath);
  const fetchImpl: FetchLike = options.fetchImpl ?? ((url, init) => undiciFetch(url, init));
  const maxRedirects = options.maxRedirects ?? 3;
  const userAgent = options.userAgent ?? 'b24-temporal';

  async function postFollowingRedirects(request: PostRequest, signal: AbortSignal): Promise<{ response: Response; url: string }> {
    let url = request.url;
    for (let redirects = 0; ; redirects += 1) {
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': request.contentType, accept: 'application/json', 'user-agent': userAgent },
        body: request.body,
        redirect: 'manual',
        signal,
        dispatcher,
      });
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || location === null) return { response, url };
      await response.body?.cancel();
      // Bitrix24 answers 302 after a portal domain change; the POST must be re-sent, not turned into a GET
      // (b24restdocs settings/how-to-call-rest-api/change-domen.md).
      const next = parseLocation(location, url);
      if (next === null) throw localError(Bitrix24LocalError.UNEXPECTED_RESPONSE, response.status, request.label, 'redirect without a valid location');
      if (new URL(url).protocol === 'https:' && next.protocol !== 'https:') {
        throw localError(Bitrix24LocalError.INSECURE_REDIRECT, response.status, request.label, 'redirect leaves https');
      }
      if (next.origin !== new URL(url).origin && request.mayFollowTo?.(next) !== true) {
        // Only the origin is named: the path of a webhook URL is its secret.
        const description = `redirect to ${next.origin} is not followed: that host is not allowed`;
        throw localError(Bitrix24LocalError.REDIRECT_NOT_ALLOWED, response.status, request.label, description);
      }
      if (redirects >= maxRedirects) {
        const description = `more than ${maxRedirects}`;
        throw localError(Bitrix24LocalError.TOO_MANY_REDIRECTS, response.status, request.label, description);
      }
      url = next.toString();
    }
  }

  return {
    async post(request) {
      const timeout = AbortSignal.timeout(options.httpTimeoutMs);
      const signal = request.signal === undefined ? timeout : AbortSignal.any([request.signal, timeout]);
      const startedAt = performance.now();
      try {
        const { response, url } = await postFollowingRedirects(request, signal);
        const text = await response.text();
        return { status: response.status, json: parseJson(text), durationMs: performance.now() - startedAt, url };
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        if (error instanceof Bitrix24Error) throw error;
        if (timeout.aborted) {
          const description = `no answer within ${options.httpTimeoutMs} ms`;
          throw localError(Bitrix24LocalError.TIMEOUT, 0, request.label, description);
        }
        throw localError(Bitrix24LocalError.NETWORK_ERROR, 0, request.label, describeNetworkFailure(error));
      }
    },
    close: () => dispatcher.close(),
  };
}

function parseLocation(location: string, base: string): URL | null {
  try {
    return new URL(location, base);
  } catch {
    return null;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function localError(code: Bitrix24LocalError, status: number, method: string, description: string): Bitrix24Error {
  return new Bitrix24Error({ code, status, description, method });
}
