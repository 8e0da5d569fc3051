import { randomBytes } from 'node:crypto';
import type { Bitrix24Emulator } from '../../../emulators/bitrix24/index.js';

/**
 * Delivery bodies in the shape the emulator (and Bitrix24) posts them (docs/bitrix24.md: robot calls and CRM events), built without
 * sending: for load generators that should not pay the portal's side of the work, and as templates for fuzzing.
 * The API checks `auth[application_token]` against the one stored at install, never the OAuth tokens, so these carry
 * random ones.
 */
export interface PortalIdentity {
  memberId: string;
  domain: string;
  applicationToken: string;
  clientEndpoint: string;
  serverEndpoint: string;
}

export function portalIdentity(emulator: Bitrix24Emulator): PortalIdentity {
  return {
    memberId: emulator.memberId,
    domain: emulator.domain,
    applicationToken: emulator.applicationToken,
    clientEndpoint: emulator.clientEndpoint,
    serverEndpoint: emulator.serverEndpoint,
  };
}

export function authBlock(portal: PortalIdentity, options: { withRefreshToken: boolean }): Record<string, string> {
  return {
    access_token: randomBytes(32).toString('hex'),
    expires: String(Math.floor(Date.now() / 1000) + 3600),
    expires_in: '3600',
    scope: 'crm,bizproc,task,user,department,im,lists,placement,userfieldconfig,app',
    domain: portal.domain,
    server_endpoint: portal.serverEndpoint,
    status: 'L',
    client_endpoint: portal.clientEndpoint,
    member_id: portal.memberId,
    user_id: '1',
    ...(options.withRefreshToken ? { refresh_token: randomBytes(32).toString('hex') } : {}),
    application_token: portal.applicationToken,
  };
}

export interface RobotCallBodyInput {
  code: string;
  properties?: Record<string, unknown>;
  dealId?: number;
  /** Unique per call: it becomes the workflow id. */
  eventToken?: string;
}

export function robotCallBody(portal: PortalIdentity, input: RobotCallBodyInput): Record<string, unknown> {
  const workflowId = `${randomBytes(7).toString('hex')}.${String(randomBytes(4).readUInt32BE() % 1e8).padStart(8, '0')}`;
  const activityName = `A${randomBytes(6).toString('hex')}`;
  return {
    workflow_id: workflowId,
    code: input.code,
    document_id: ['crm', 'CCrmDocumentDeal', `DEAL_${input.dealId ?? 1}`],
    document_type: ['crm', 'CCrmDocumentDeal', 'DEAL'],
    event_token: input.eventToken ?? `${workflowId}|${activityName}|${randomBytes(16).toString('hex')}.${randomBytes(32).toString('hex')}`,
    properties: input.properties ?? {},
    use_subscription: 'Y',
    timeout_duration: '0',
    ts: String(Math.floor(Date.now() / 1000)),
    auth: authBlock(portal, { withRefreshToken: true }),
  };
}

export function eventBody(portal: PortalIdentity, event: string, data: Record<string, unknown>): Record<string, unknown> {
  return {
    event,
    event_handler_id: '1',
    data,
    ts: String(Math.floor(Date.now() / 1000)),
    auth: authBlock(portal, { withRefreshToken: false }),
  };
}

export function installBody(portal: PortalIdentity): Record<string, unknown> {
  return {
    event: 'ONAPPINSTALL',
    data: { VERSION: '1', ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'en' },
    ts: String(Math.floor(Date.now() / 1000)),
    auth: authBlock(portal, { withRefreshToken: true }),
  };
}

export function placementBody(portal: PortalIdentity, dealId: number): Record<string, unknown> {
  return {
    AUTH_ID: randomBytes(32).toString('hex'),
    AUTH_EXPIRES: '3600',
    REFRESH_ID: randomBytes(32).toString('hex'),
    SERVER_ENDPOINT: portal.serverEndpoint,
    member_id: portal.memberId,
    status: 'L',
    PLACEMENT: 'CRM_DEAL_DETAIL_TAB',
    PLACEMENT_OPTIONS: JSON.stringify({ ID: String(dealId) }),
    APPLICATION_TOKEN: portal.applicationToken,
  };
}
