import type { Logger } from 'pino';
import { z } from 'zod';
import {
  FINANCE_UNAVAILABLE_REASON,
  companyNotFound,
  financeBadResponse,
  financeServerError,
  financeUnauthorized,
  financeUnavailable,
} from './errors.js';
import { retryDelayMs } from '../../lib/http/retry-after.js';

export interface FinanceClientOptions {
  baseUrl: string;
  apiToken: string;
  timeoutMs: number;
  logger: Logger;
  fetchImpl?: typeof fetch;
}

export interface CompanyCredit {
  limit: number;
  debt: number;
  currency: string;
}

export interface FinanceClient {
  /**
   * The company's credit limit and current debt. Throws the `Finance.*` failures from `errors.ts`; when the
   * caller's `signal` aborts (activity cancellation), rethrows its reason unchanged.
   */
  getCredit(companyId: string, options?: { signal?: AbortSignal }): Promise<CompanyCredit>;
}

const creditBody = z.object({
  companyId: z.union([z.string(), z.number()]).transform(String),
  limit: z.number().finite(),
  debt: z.number().finite(),
  currency: z.string().min(1),
});

const errorBody = z.object({ error: z.string(), until: z.string().optional() }).partial();

export function createFinanceClient(options: FinanceClientOptions): FinanceClient {
  const fetchImpl = options.fetchImpl ?? fetch;
  const baseUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  const logger = options.logger.child({ integration: 'finance' });
  const authorization = `Bearer ${options.apiToken}`;

  return {
    async getCredit(companyId, { signal } = {}) {
      const path = `api/v1/companies/${encodeURIComponent(companyId)}/credit`;
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const startedAt = Date.now();
      let status: number;
      let headers: Headers;
      let text: string;
      try {
        const response = await fetchImpl(new URL(path, baseUrl), {
          headers: { accept: 'application/json', authorization },
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        status = response.status;
        headers = response.headers;
        text = await response.text();
      } catch (error) {
        if (signal?.aborted) throw signal.reason ?? error;
        const reason = timeout.aborted ? FINANCE_UNAVAILABLE_REASON.timeout : FINANCE_UNAVAILABLE_REASON.network;
        const code = networkErrorCode(error);
        logger.warn({ companyId, reason, code, durationMs: Date.now() - startedAt }, 'finance request failed');
        throw financeUnavailable({ reason, code });
      }
      logger.debug({ companyId, status, durationMs: Date.now() - startedAt }, 'finance credit lookup');

      const json = parseJson(text);
      if (status === 200) {
        const parsed = creditBody.safeParse(json);
        if (!parsed.success) throw financeBadResponse(`invalid credit body (${describeIssues(parsed.error)})`);
        if (parsed.data.companyId !== companyId) throw financeBadResponse('credit body is for another company');
        const { limit, debt, currency } = parsed.data;
        return { limit, debt, currency };
      }
      const body = errorBody.safeParse(json).data ?? {};
      const until = toIsoInstant(body.until);
      if (status === 404 && body.error === 'COMPANY_NOT_FOUND') throw companyNotFound(companyId);
      if (status === 401 || status === 403) throw financeUnauthorized(status);
      if (status === 503 || status === 429) {
        const reason = status === 429 ? FINANCE_UNAVAILABLE_REASON.rateLimited : FINANCE_UNAVAILABLE_REASON.maintenance;
        const retryAfterMs = retryDelayMs(headers.get('retry-after'), until);
        logger.info({ companyId, status, until, retryAfterMs }, 'finance system unavailable');
        throw financeUnavailable({ reason, until, retryAfterMs });
      }
      if (status >= 500) {
        logger.warn({ companyId, status }, 'finance server error');
        throw financeServerError(status);
      }
      // A 404 without COMPANY_NOT_FOUND means a wrong base URL or path, not an unknown company.
      const code = body.error && ERROR_CODE.test(body.error) ? ` ${body.error}` : '';
      throw financeBadResponse(`unexpected HTTP ${status}${code}`);
    },
  };
}

/** Only well-formed codes from the remote side reach our messages, never free text it chose to echo. */
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** undici puts the socket error (ECONNREFUSED, ECONNRESET, ...) under `cause.code`. */
function networkErrorCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function toIsoInstant(value: string | undefined): string | undefined {
  const instant = value === undefined ? NaN : Date.parse(value);
  return Number.isFinite(instant) ? new Date(instant).toISOString() : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
}
