/** What an install check asked Bitrix24 and what came back; `body` is the parsed JSON or undefined. */
export interface PortalAnswer {
  status: number;
  body: unknown;
}

/** Thrown when Bitrix24 could not be asked at all; `reason` is safe to show and log (no token, no URL query). */
export class PortalUnreachableError extends Error {
  override readonly name = 'PortalUnreachableError';
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(reason, options);
  }
}

/** `${base}method`, tolerating a base without its trailing slash. */
export function methodUrl(base: string, method: string): URL {
  return new URL(method, base.endsWith('/') ? base : `${base}/`);
}

/**
 * One REST call made while an install is checked. Tokens never reach a log from here: the caller names the call
 * (`label`) and reads only status and body. Redirects are refused, so a token cannot be sent on to another host.
 */
export async function askBitrix24(
  label: string,
  url: URL,
  init: { method: 'GET' } | { method: 'POST'; json: Record<string, unknown> },
  timeoutMs: number,
): Promise<PortalAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: { accept: 'application/json', ...(init.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(init.method === 'POST' ? { body: JSON.stringify(init.json) } : {}),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'could not be reached';
    throw new PortalUnreachableError(`${label} ${reason}`, { cause: error });
  }
  const body: unknown = await response.json().catch(() => undefined);
  return { status: response.status, body };
}

/** The Bitrix24 error code of an answer (`expired_token`, `ACCESS_DENIED`…), or ''. */
export function errorCodeOf(answer: PortalAnswer): string {
  const body = answer.body;
  return typeof body === 'object' && body !== null && 'error' in body ? String(body.error).slice(0, 64) : '';
}

/** `HTTP 401 expired_token`: the status and the Bitrix24 error code of an answer, for messages. */
export function describeAnswer(answer: PortalAnswer): string {
  const code = errorCodeOf(answer);
  return `HTTP ${answer.status}${code ? ` ${code}` : ''}`;
}
