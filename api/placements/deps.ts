import type { Bitrix24Client } from '../../integrations/bitrix24/client.js';
import type { Transport } from '../../integrations/bitrix24/transport.js';
import type { RunsService } from './runs-service.js';

/** What the runs tab needs besides the ingress services; without it the tab's routes answer 404. */
export interface RunsTabServices {
  runs: RunsService;
  /** REST with the app's stored tokens: the permission checks repeated on every retry, terminate or reload. */
  bitrix24: Pick<Bitrix24Client, 'call'>;
  /** HTTP for the calls made with the user's own token; a transport with B24_HTTP_TIMEOUT_MS when omitted. */
  userTransport?: Transport;
  /** Unix seconds (page-token expiry); tests move it. */
  nowSeconds?: () => number;
  /** Called when the app closes (the Bitrix24 client's connection pool). */
  close?: () => Promise<void>;
}
