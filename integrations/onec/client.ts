import { z } from 'zod';
import { onecBadResponse, onecServerError, onecUnavailable } from './errors.js';

export interface OnecPrice {
  price: number;
  currency: string;
  stock: number;
}

export interface OnecClient {
  /** The article's price and stock, or null when 1C does not know the article. */
  getPrice(article: string, options?: { signal?: AbortSignal }): Promise<OnecPrice | null>;
}

const priceBody = z.object({ price: z.number(), currency: z.string(), stock: z.number() });

export function createOnecClient(deps: { baseUrl: string; timeoutMs: number; fetchImpl?: typeof fetch }): OnecClient {
  const fetchImpl = deps.fetchImpl ?? fetch;
  return {
    async getPrice(article, options = {}) {
      const url = new URL(`api/v1/prices/${encodeURIComponent(article)}`, withTrailingSlash(deps.baseUrl));
      const signals = [AbortSignal.timeout(deps.timeoutMs), ...(options.signal ? [options.signal] : [])];
      let response: Response;
      try {
        response = await fetchImpl(url, { headers: { accept: 'application/json' }, signal: AbortSignal.any(signals) });
      } catch (error) {
        if (options.signal?.aborted) throw error;
        throw onecUnavailable(error instanceof Error ? error.message : String(error));
      }
      if (response.status === 404) return null;
      if (response.status === 503) throw onecUnavailable('maintenance', Number(response.headers.get('retry-after')) || undefined);
      if (!response.ok) throw onecServerError(response.status);
      const parsed = priceBody.safeParse(await response.json().catch(() => null));
      if (!parsed.success) throw onecBadResponse(parsed.error.issues.map((issue) => issue.path.join('.')).join(', '));
      return parsed.data;
    },
  };
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
