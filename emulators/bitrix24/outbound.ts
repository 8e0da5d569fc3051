import qs from 'qs';
import type { Logger } from 'pino';
import type { EmulatorClock } from './clock.js';
import type { OAuthTokens } from './oauth-tokens.js';
import type { Delivery, EmulatorState } from './state.js';
import type { HttpOutcome } from './http-outcome.js';

/** Where the emulated portal lives; filled in once the server listens. */
export interface PortalAddress {
  url: string;
  domain: string;
  clientEndpoint: string;
  serverEndpoint: string;
  memberId: string;
}

export const APP_SCOPE = 'crm,bizproc,task,user,department,im,lists,placement,userfieldconfig,app';

const DELIVERY_TIMEOUT_MS = 30_000;

/** Sends what Bitrix24's queue server sends: form-urlencoded POSTs with PHP brackets and an `auth` block. */
export class Outbound {
  private readonly inFlight = new Set<Promise<unknown>>();
  /** A simulated network outage between the portal and every handler (control API); not a Bitrix24 behaviour. */
  outage = false;

  constructor(
    private readonly portal: PortalAddress,
    private readonly tokens: OAuthTokens,
    private readonly state: EmulatorState,
    private readonly clock: EmulatorClock,
    private readonly logger: Logger,
  ) {}

  /**
   * A fresh token pair for `userId` in an `auth` block. Robot and activity calls carry the keys the official SDKs
   * read (b24phpsdk Workflows/Common/Auth.php, Core/Credentials/AuthToken.php: `expires`, `user_id`, `refresh_token`);
   * events carry the keys of b24restdocs api-reference/events/index.md ("Parameter auth"), `refresh_token` only when asked.
   */
  authBlock(userId: number, options: { withRefreshToken: boolean; applicationToken?: string; shape?: 'robot' | 'event' }): Record<string, string> {
    const pair = this.tokens.issue(userId);
    const robot = (options.shape ?? 'robot') === 'robot';
    return {
      access_token: pair.accessToken,
      ...(robot ? { expires: String(pair.expires) } : {}),
      expires_in: String(pair.expiresIn),
      scope: APP_SCOPE,
      domain: this.portal.domain,
      server_endpoint: this.portal.serverEndpoint,
      status: 'L',
      client_endpoint: this.portal.clientEndpoint,
      member_id: this.portal.memberId,
      ...(robot ? { user_id: String(userId) } : {}),
      ...(options.withRefreshToken ? { refresh_token: pair.refreshToken } : {}),
      application_token: options.applicationToken ?? this.state.applicationToken,
    };
  }

  async postForm(url: string, body: Record<string, unknown>, delivery: Omit<Delivery, 'at' | 'status' | 'url'>): Promise<HttpOutcome> {
    const record: Delivery = { ...delivery, url, at: this.clock.nowMs(), status: null };
    this.state.deliveries.push(record);
    const task = this.send(url, qs.stringify(body), record);
    this.inFlight.add(task);
    try {
      return await task;
    } finally {
      this.inFlight.delete(task);
    }
  }

  /** Fire-and-forget delivery (CRM events); failures are recorded, never retried, as on a real portal. */
  deliverInBackground(url: string, body: Record<string, unknown>, delivery: Omit<Delivery, 'at' | 'status' | 'url'>): void {
    this.postForm(url, body, delivery).catch((error: unknown) => {
      this.logger.warn({ err: error, event: delivery.event }, 'event delivery failed');
    });
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async send(url: string, body: string, record: Delivery): Promise<HttpOutcome> {
    if (this.outage) {
      record.error = 'simulated outage: the handler is unreachable';
      throw new Error(record.error);
    }
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Bitrix24 Webhook Engine' },
        body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      const text = await response.text();
      record.status = response.status;
      return { status: response.status, body: parseBody(text, response.headers.get('content-type')) };
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }
}

function parseBody(text: string, contentType: string | null): unknown {
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}
