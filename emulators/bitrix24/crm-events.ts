import { createHash } from 'node:crypto';
import { isoWithOffset, type EmulatorClock } from './clock.js';
import type { Outbound } from './outbound.js';
import type { EmulatorState, EventBinding } from './state.js';

export const CHANGE = { add: 'ADD', update: 'UPDATE', delete: 'DELETE' } as const;
export type Change = (typeof CHANGE)[keyof typeof CHANGE];

export const OFFLINE_NOTICE_EVENT = 'ONOFFLINEEVENT';

const CLASSIC_EVENT_PREFIX: Record<number, string> = {
  1: 'ONCRMLEAD',
  2: 'ONCRMDEAL',
  3: 'ONCRMCONTACT',
  4: 'ONCRMCOMPANY',
  7: 'ONCRMQUOTE',
};

/** Who made a change: a portal user in the UI, or a REST call (through the app's OAuth token, or a webhook). */
export interface ChangeSource {
  userId: number;
  /** True when the change came through this application's OAuth authorization. */
  viaApp: boolean;
  /** `auth_connector` of the REST call that made the change; '' for none. */
  authConnector: string;
}

/** The change source of a REST method call. */
export function restChangeSource(ctx: { caller: { kind: string; userId: number }; authConnector?: string | undefined }): ChangeSource {
  return { userId: ctx.caller.userId, viaApp: ctx.caller.kind === 'oauth', authConnector: ctx.authConnector ?? '' };
}

/** A change made by a user in the portal's UI (the control API). */
export function userChangeSource(userId: number): ChangeSource {
  return { userId, viaApp: false, authConnector: '' };
}

/** Core `EventOfflineTable::getMessageId`: md5 of `EVENT_NAME|json(EVENT_DATA)`, so one object and event share an id. */
function messageIdOf(event: string, data: Record<string, unknown>): string {
  return createHash('md5').update(`${event}|${JSON.stringify(data)}`).digest('hex');
}

/** The body of an event delivery. ONOFFLINEEVENT follows its docs example: no `event_handler_id`, a `refresh_token`. */
export function eventDeliveryBody(
  outbound: Outbound,
  event: string,
  data: Record<string, unknown>,
  ts: number,
  handlerId: number,
  userId: number,
): Record<string, unknown> {
  const notice = event === OFFLINE_NOTICE_EVENT;
  return {
    event,
    ...(notice ? {} : { event_handler_id: String(handlerId) }),
    data,
    ts: String(ts),
    auth: outbound.authBlock(userId, { withRefreshToken: notice, shape: 'event' }),
  };
}

/** Turns CRM changes into event deliveries: online handlers get a POST, offline handlers a queue record. */
export class CrmEvents {
  private readonly lastOfflineNotice = new Map<number, number>();

  constructor(
    private readonly state: EmulatorState,
    private readonly outbound: Outbound,
    private readonly clock: EmulatorClock,
  ) {}

  /** Forgets when handlers were last notified (binding ids start again after a portal reset). */
  reset(): void {
    this.lastOfflineNotice.clear();
  }

  emit(entityTypeId: number, id: number, change: Change, source: ChangeSource): void {
    const classic = CLASSIC_EVENT_PREFIX[entityTypeId];
    const names = classic
      ? [`${classic}${change}`]
      : [`ONCRMDYNAMICITEM${change}`, `ONCRMDYNAMICITEM${change}_${entityTypeId}`];
    const fields: Record<string, unknown> = classic ? { ID: id } : { ID: id, ENTITY_TYPE_ID: entityTypeId };
    let queued = false;
    for (const name of names) {
      for (const binding of this.state.eventBindings.filter((candidate) => candidate.event === name)) {
        if (binding.offline) queued = this.enqueueOffline(binding, name, { FIELDS: fields }, source) || queued;
        else this.deliverOnline(binding, name, { FIELDS: fields }, source.userId);
      }
    }
    if (queued) this.notifyOfflineListeners(source.userId);
  }

  deliverOnline(binding: EventBinding, event: string, data: Record<string, unknown>, userId: number): void {
    // "Events will not be sent to the handler" until the install completes (b24restdocs settings/app-installation/installation-finish.md).
    if (!this.state.appInstalled) return;
    const authUser = binding.authType > 0 ? binding.authType : userId;
    this.outbound.deliverInBackground(
      binding.handler,
      eventDeliveryBody(this.outbound, event, data, this.clock.unixSeconds(), binding.id, authUser),
      { kind: 'event', event },
    );
  }

  /**
   * Core `ProviderOffline::finalize` + `EventOfflineTable::callEvent`: a change the application itself made with the
   * binding's connector is not queued; otherwise the row of the same message id, connector and (empty) process id is
   * refreshed, or a new row is added. Answers whether a row was written.
   */
  private enqueueOffline(binding: EventBinding, event: string, data: Record<string, unknown>, source: ChangeSource): boolean {
    if (source.viaApp && source.authConnector === binding.connectorId) return false;
    const messageId = messageIdOf(event, data);
    const timestamp = isoWithOffset(this.clock.nowMs());
    const additional = { user_id: String(source.userId) };
    const existing = this.state.offlineEvents.find(
      (record) => record.MESSAGE_ID === messageId && record.connectorId === binding.connectorId && record.processId === undefined,
    );
    if (existing) {
      existing.TIMESTAMP_X = timestamp;
      existing.EVENT_DATA = data;
      existing.EVENT_ADDITIONAL = additional;
      return true;
    }
    this.state.offlineEvents.push({
      ID: this.state.nextId('offlineEvent'),
      TIMESTAMP_X: timestamp,
      EVENT_NAME: event,
      EVENT_DATA: data,
      EVENT_ADDITIONAL: additional,
      MESSAGE_ID: messageId,
      connectorId: binding.connectorId,
      error: false,
    });
    return true;
  }

  /**
   * Core `EventOfflineTable::prepareOfflineEvent` / `checkSendTime`: each ONOFFLINEEVENT handler is notified at most
   * once per `minTimeout` seconds (default 1); `0` means once per change here (core: once per request).
   */
  private notifyOfflineListeners(userId: number): void {
    const now = this.clock.nowMs();
    for (const binding of this.state.eventBindings.filter((candidate) => candidate.event === OFFLINE_NOTICE_EVENT && !candidate.offline)) {
      const minTimeout = binding.options.minTimeout;
      const minTimeoutMs = (typeof minTimeout === 'number' ? minTimeout : 1) * 1000;
      const last = this.lastOfflineNotice.get(binding.id);
      if (minTimeoutMs > 0 && last !== undefined && now - last < minTimeoutMs) continue;
      this.lastOfflineNotice.set(binding.id, now);
      this.deliverOnline(binding, OFFLINE_NOTICE_EVENT, {}, userId);
    }
  }
}
