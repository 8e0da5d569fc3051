import type { Logger } from 'pino';
import type { PortalCredentials } from '../../contracts/portal.js';
import type { PortalStore } from '../../lib/portals/store.js';

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Where a REST call was sent (`url`), through the stored `client_endpoint` or the inbound webhook (`base`). */
export type RestTarget =
  | { kind: 'oauth'; url: string; credentials: PortalCredentials }
  | { kind: 'webhook'; url: string; base: string };

export interface PortalMoves {
  /** Redirect rule for REST calls: another origin only on an allowed domain (B24_ALLOWED_DOMAINS), over https. */
  mayFollowTo(next: URL): boolean;
  /** The webhook base to call: the configured one, or where it was redirected to in this process. */
  webhookBase(configured: string): string;
  /** After an answer: when it came from another origin than the call went to, the portal moved; remember where. */
  remember(memberId: string, target: RestTarget, answeredBy: string): Promise<void>;
}

/**
 * A Bitrix24 portal whose address changed answers its old address with a redirect to the new one
 * (b24restdocs settings/how-to-call-rest-api/change-domen.md). The transport follows it only to an allowed domain,
 * keeping the POST and its body; this remembers the new address so the next call goes there directly: in the
 * portal's workflow for installed portals, in the process for a webhook (whose URL is configuration).
 */
export function createPortalMoves(deps: {
  store: Pick<PortalStore, 'move'>;
  allowedDomains: readonly string[];
  logger: Logger;
}): PortalMoves {
  const allowed = new Set(deps.allowedDomains.map((domain) => domain.trim().toLowerCase()).filter(Boolean));
  let movedWebhook: string | undefined;

  return {
    mayFollowTo(next) {
      const transportSafe = next.protocol === 'https:' || (next.protocol === 'http:' && LOOPBACK_HOSTNAMES.has(next.hostname));
      return transportSafe && !next.username && !next.password && allowed.has(next.host.toLowerCase());
    },

    webhookBase: (configured) => movedWebhook ?? configured,

    async remember(memberId, target, answeredBy) {
      const answered = new URL(answeredBy);
      if (answered.origin === new URL(target.url).origin) return;
      if (target.kind === 'webhook') {
        movedWebhook = onOrigin(target.base, answered);
        // Origins only: the webhook's path is its secret.
        deps.logger.warn(
          { from: new URL(target.base).origin, to: answered.origin },
          'the portal of B24_WEBHOOK_URL moved to another domain; calls follow it in this process — update B24_WEBHOOK_URL',
        );
        return;
      }
      const { credentials } = target;
      const move = { domain: answered.host, clientEndpoint: onOrigin(credentials.clientEndpoint, answered) };
      try {
        await deps.store.move(memberId, move);
        deps.logger.info({ memberId, from: credentials.domain, to: move.domain }, 'portal moved to a new domain; address updated');
      } catch (error) {
        // The call itself succeeded; the next one follows the redirect again and retries the update.
        deps.logger.warn({ memberId, to: move.domain, err: error }, 'portal moved, but its new address could not be stored');
      }
    },
  };
}

/** `https://old/rest/` on the origin of `answered` → `https://new/rest/`: the path stays, the host changes. */
function onOrigin(base: string, answered: URL): string {
  const url = new URL(base);
  return new URL(`${url.pathname}${url.search}`, answered.origin).toString();
}
