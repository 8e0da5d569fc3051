import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import qs from 'qs';
import { z } from 'zod';
import type { OAuthTokens } from './oauth-tokens.js';
import { APP_SCOPE, type PortalAddress } from './outbound.js';
import type { EmulatorState } from './state.js';
import type { HttpOutcome } from './http-outcome.js';

/** A user opening a widget (`placement.bind` handler), e.g. the CRM_DEAL_DETAIL_TAB of deal 7. */
export interface FirePlacementInput {
  /** Placement code, e.g. `CRM_DEAL_DETAIL_TAB` or `CRM_DYNAMIC_147_DETAIL_TAB`. */
  placement: string;
  /** Sent as the `PLACEMENT_OPTIONS` JSON string, e.g. `{ ID: '7' }`. */
  options?: Record<string, unknown>;
  /** The user who opened the widget; `AUTH_ID` is a fresh access token of this user (default 1). */
  userId?: number;
  /** Overrides `APPLICATION_TOKEN` (tests send a wrong one). */
  applicationToken?: string;
  lang?: string;
}

/** What Bitrix24 POSTs into the widget's iframe: a query string and a form body (b24restdocs api-reference/widgets/_includes/widget_data.md). */
export interface PlacementCall {
  /** The handler URL with `DOMAIN, PROTOCOL, LANG, APP_SID` in its query string. */
  url: string;
  body: Record<string, string>;
}

export interface PlacementCallDeps {
  tokens: OAuthTokens;
  portal: PortalAddress;
  state: EmulatorState;
}

export function buildPlacementCall(deps: PlacementCallDeps, handlerUrl: string, input: FirePlacementInput): PlacementCall {
  const pair = deps.tokens.issue(input.userId ?? 1);
  const url = new URL(handlerUrl);
  const query = {
    DOMAIN: deps.portal.domain,
    PROTOCOL: deps.portal.url.startsWith('https:') ? '1' : '0',
    LANG: input.lang ?? 'en',
    APP_SID: randomBytes(16).toString('hex'),
  };
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return {
    url: url.toString(),
    body: {
      AUTH_ID: pair.accessToken,
      AUTH_EXPIRES: String(pair.expiresIn),
      REFRESH_ID: pair.refreshToken,
      SERVER_ENDPOINT: deps.portal.serverEndpoint,
      member_id: deps.portal.memberId,
      status: 'L',
      PLACEMENT: input.placement,
      PLACEMENT_OPTIONS: JSON.stringify(input.options ?? {}),
      APPLICATION_TOKEN: input.applicationToken ?? deps.state.applicationToken,
      APPLICATION_SCOPE: APP_SCOPE,
    },
  };
}

/** POSTs the placement call the way the portal's page does (form-urlencoded) and returns the handler's answer. */
export async function firePlacementCall(deps: PlacementCallDeps, handlerUrl: string, input: FirePlacementInput): Promise<HttpOutcome> {
  const call = buildPlacementCall(deps, handlerUrl, input);
  const response = await fetch(call.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: qs.stringify(call.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json');
  return { status: response.status, body: json ? (JSON.parse(text) as unknown) : text };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * The portal's CRM card with the widget open: an iframe and a form that posts the placement call into it, as the
 * Bitrix24 page does. Lets a browser (people, headless tests) see the tab exactly as a portal user would.
 */
export function renderPlacementFrame(call: PlacementCall, title: string): string {
  const fields = Object.entries(call.body)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px sans-serif;margin:0;background:#eef2f4}header{padding:12px 20px;background:#2fc6f6;color:#fff;font-weight:bold}
iframe{display:block;width:calc(100% - 40px);height:640px;margin:20px;border:0;background:#fff}</style></head>
<body><header>${escapeHtml(title)}</header><iframe name="placement" title="${escapeHtml(title)}"></iframe>
<form id="placement-call" method="post" action="${escapeHtml(call.url)}" target="placement">${fields}</form>
<script>document.getElementById('placement-call').submit();</script></body></html>`;
}

const placementSchema = z.object({
  handlerUrl: z.url(),
  placement: z.string().min(1),
  options: z.record(z.string(), z.unknown()).optional(),
  userId: z.coerce.number().int().positive().optional(),
  applicationToken: z.string().optional(),
});

/**
 * `POST /_emulator/placements/fire` posts a placement call and answers the handler's reply;
 * `GET /_emulator/placements/open?handlerUrl=…&placement=…&id=…&userId=…` serves the card page that opens the widget.
 */
export function registerPlacementRoutes(
  app: FastifyInstance,
  emulator: {
    firePlacement(handlerUrl: string, input: FirePlacementInput): Promise<HttpOutcome>;
    placementCall(handlerUrl: string, input: FirePlacementInput): PlacementCall;
  },
): void {
  app.post('/_emulator/placements/fire', async (request) => {
    const { handlerUrl, ...input } = placementSchema.parse(request.body);
    return emulator.firePlacement(handlerUrl, input);
  });
  app.get('/_emulator/placements/open', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const { handlerUrl, ...input } = placementSchema.parse({
      ...query,
      options: query.id === undefined ? undefined : { ID: query.id },
    });
    const call = emulator.placementCall(handlerUrl, input);
    const title = `${input.placement} · item ${query.id ?? '?'} · user ${input.userId ?? 1}`;
    return reply.type('text/html; charset=utf-8').send(renderPlacementFrame(call, title));
  });
}
