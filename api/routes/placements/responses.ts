import { randomBytes } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { redactText } from '../../../lib/logger.js';
import { ApiError } from '../../errors.js';
import { PlacementError, placementErrors } from '../../placements/errors.js';
import { pageSecurityHeaders } from '../../placements/html.js';
import { PAGE_TOKEN_PROBLEM, PageTokenError } from '../../placements/page-token.js';
import { renderMessagePage } from '../../placements/runs-page.js';

/** Where the tab's pages may post and who may frame them. */
export interface PageOrigins {
  /** Origin of PUBLIC_URL. */
  self: string;
  /** Origin of the portal's client endpoint, when the portal is known. */
  portal?: string | undefined;
}

export function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Button posts from the page are forms; scripts and tests may send JSON and get JSON back. */
export function wantsJson(request: FastifyRequest): boolean {
  return String(request.headers['content-type'] ?? '').includes('application/json');
}

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function sendHtml(reply: FastifyReply, status: number, html: string, nonce: string, origins: PageOrigins): FastifyReply {
  const headers = pageSecurityHeaders({
    nonce,
    formTargets: [origins.self],
    frameAncestors: origins.portal ? [origins.portal] : [],
  });
  return reply.code(status).headers(headers).type('text/html; charset=utf-8').send(html);
}

const TITLES: Record<number, string> = {
  400: 'This request could not be read',
  401: 'Not verified',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Nothing to do',
  429: 'Too many requests',
  502: 'Bitrix24 unavailable',
};

function toKnownError(error: unknown): PlacementError | ApiError | undefined {
  if (error instanceof PlacementError || error instanceof ApiError) return error;
  if (error instanceof PageTokenError) {
    return error.problem === PAGE_TOKEN_PROBLEM.expired ? placementErrors.pageExpired() : placementErrors.pageTokenInvalid();
  }
  const status = (error as Partial<FastifyError>).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new PlacementError(status, 'BAD_REQUEST', (error as Error).message);
  return undefined;
}

/** The tab's own error handler: refusals as a page in the frame (or JSON), 5xx without internals. */
export function placementErrorHandler(origins: (request: FastifyRequest) => PageOrigins) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = toKnownError(error);
    const context = { method: request.method, url: redactText(request.url) };
    const status = known?.statusCode ?? 500;
    const code = known?.code ?? 'INTERNAL_ERROR';
    const message = known?.message ?? 'Something went wrong on our side. Try again in a minute.';
    if (!known || status >= 500) request.log.error({ ...context, err: error }, 'runs tab request failed');
    else request.log.info({ ...context, statusCode: status, error: code, reason: message }, 'runs tab request refused');
    if (wantsJson(request)) return reply.code(status).send({ error: code, message });
    const nonce = newNonce();
    const html = renderMessagePage({ nonce, title: TITLES[status] ?? 'Something went wrong', message });
    return sendHtml(reply, status, html, nonce, origins(request));
  };
}
