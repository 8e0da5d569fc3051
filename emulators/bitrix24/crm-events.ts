import { randomBytes } from 'node:crypto';
import { isoWithOffset, type EmulatorClock } from './clock.js';
import type { Outbound } from './outbound.js';
import { asRecord } from './params.js';
import type { EmulatorState, EventBinding } from './state.js';

export const CHANGE = { add: 'ADD', update: 'UPDATE', delete: 'DELETE' } as const;
export type Change = (typeof CHANGE)[keyof typeof CHANGE];

const CLASSIC_EVENT_PREFIX: Record<number, string> = {
  1: 'ONCRMLEAD',
  2: 'ONCRMDEAL',
  3: 'ONCRMCONTACT',
  4: 'ONCRMCOMPANY',
  7: 'ONCRMQUOTE',
};

export interface ChangeSource {
  userId: number;
  authConnector?: string;
}

/** Turns CRM changes into event deliveries: online handlers get a POST, offline handlers a queue record. */
export class CrmEvents {
  private readonly lastOfflineNotice = new Map<number, number>();

  constructor(
    private readonly state: EmulatorState,
    private readonly outbound: Outbound,
    private readonly clock: EmulatorClock,
  ) {}

  emit(entityTypeId: number, id: number, change: Change, source: ChangeSource): void {
    const classic = CLASSIC_EVENT_PREFIX[entityTypeId];
    const names = classic
      ? [`${classic}${change}`]
      : [`ONCRMDYNAMICITEM${change}`, `ONCRMDYNAMICITEM${change}_${entityTypeId}`];
    const fields: Record<string, unknown> = classic ? { ID: id } : { ID: id, ENTITY_TYPE_ID: entityTypeId };
    for (const name of names) {
      for (const binding of this.state.eventBindings.filter((candidate) => candidate.event === name)) {
        if (binding.offline) this.enqueueOffline(binding, name, { FIELDS: fields }, source);
        else this.deliverOnline(binding, name, { FIELDS: fields }, source.userId);
      }
    }
  }

  deliverOnline(binding: EventBinding, event: string, data: Record<string, unknown>, userId: number): void {
    // "Events will not be sent to the handler" until the install completes (b24restdocs settings/app-installation/installation-finish.md).
    if (!this.state.appInstalled) return;
    const authUser = binding.authType > 0 ? binding.authType : userId;
    this.outbound.deliverInBackground(
      binding.handler,
      {
        event,
        event_handler_id: String(binding.id),
        data,
        ts: String(this.clock.unixSeconds()),
        auth: this.outbound.authBlock(authUser, { withRefreshToken: event === 'ONOFFLINEEVENT', shape: 'event' }),
      },
      { kind: 'event', event },
    );
  }

  private enqueueOffline(binding: EventBinding, event: string, data: Record<string, unknown>, source: ChangeSource): void {
    if (binding.authConnector && binding.authConnector === source.authConnector) return;
    const objectKey = JSON.stringify(asRecord(data.FIELDS));
    const existing = this.state.offlineEvents.find(
      (record) => !record.processId && record.EVENT_NAME === event && JSON.stringify(asRecord(record.EVENT_DATA.FIELDS)) === objectKey,
    );
    const timestamp = isoWithOffset(this.clock.nowMs());
    // The queue keeps one record per object and event: a repeated change only refreshes it.
    if (existing) {
      existing.TIMESTAMP_X = timestamp;
      existing.EVENT_DATA = data;
    } else {
      this.state.offlineEvents.push({
        ID: this.state.nextId('offlineEvent'),
        TIMESTAMP_X: timestamp,
        EVENT_NAME: event,
        EVENT_DATA: data,
        EVENT_ADDITIONAL: { user_id: String(source.userId) },
        MESSAGE_ID: randomBytes(16).toString('hex'),
        error: false,
      });
    }
    this.notifyOfflineListeners(source.userId);
  }

  private notifyOfflineListeners(userId: number): void {
    const now = this.clock.nowMs();
    for (const binding of this.state.eventBindings.filter((candidate) => candidate.event === 'ONOFFLINEEVENT' && !candidate.offline)) {
      const minTimeoutMs = Number(asRecord(binding.options).minTimeout ?? 1) * 1000;
      const last = this.lastOfflineNotice.get(binding.id);
      if (last !== undefined && now - last < minTimeoutMs) continue;
      this.lastOfflineNotice.set(binding.id, now);
      this.deliverOnline(binding, 'ONOFFLINEEVENT', {}, userId);
    }
  }
}
