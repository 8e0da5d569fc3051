import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { isBitrix24ErrorCode, type Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import type { PortalStore } from '../../lib/portals/store.js';
import { createAuthConnectorSource, type AuthConnectorSource } from './auth-connector.js';
import { isTemporalUnavailable, signalEntityWorkflow } from '../../lib/crm-events/entity-signal.js';
import { findEventRoute, type EventRouteSource } from '../../lib/crm-events/event-routes.js';
import { CONFIG_FAILURES } from '../../contracts/failures/config.js';
import { explainOfflineRefusal } from './offline-drain-errors.js';
import { offlineRecordToCrmEvent, toOfflineRecord, type OfflineBatch, type OfflineRecord } from './offline-records.js';

export interface OfflineDrainDeps {
  bitrix24: Bitrix24Caller;
  /** Signals records into entity workflows; without it delivery fails non-retryably. */
  temporal?: Client | undefined;
  eventRoutes: EventRouteSource;
  /** Where provisioning recorded whether the offline events were bound with our connector. */
  portals?: Pick<PortalStore, 'settings'> | undefined;
  authConnector?: AuthConnectorSource;
}

/** The feature that allows `clear=0` and `event.offline.clear/error` (b24restdocs api-reference/events/offline-events.md). */
export const OFFLINE_EXTENDED_FEATURE = 'rest_offline_extended';

export interface ReadOfflineBatchInput {
  memberId: string;
  limit: number;
  /** `clear=1` deletes what it returns; `clear=0` reserves it (needs the extended feature). */
  clear: boolean;
  /** Re-read what this process already reserved; without it, new records are taken. */
  processId?: string;
}

export interface ReadOfflineBatchResult {
  processId: string | null;
  records: OfflineRecord[];
}

export interface DeliverOfflineRecordsInput {
  memberId: string;
  records: OfflineRecord[];
}

/** Message ids by what became of them. */
export interface DeliveryOutcome {
  routed: string[];
  /** No route takes them: nothing to do, confirmed as handled. */
  ignored: string[];
  /** Unreadable, or refused by Temporal for a reason other than being unreachable. */
  failed: string[];
}

export interface ConfirmOfflineBatchInput {
  memberId: string;
  processId: string;
  done: string[];
  failed: string[];
}

/** Progress of a delivery, kept in heartbeat details so a retried attempt does not signal the same records again. */
interface DeliveryProgress extends DeliveryOutcome {
  next: number;
}

/**
 * The drain's calls to Bitrix24's offline queue (b24restdocs api-reference/events/event-offline-get.md,
 * event-offline-clear.md, event-offline-error.md; bitrix core modules/rest/lib/api/event.php). The queue is split by
 * connector: every call passes our `auth_connector` where the plan has the feature (the bindings were made with it),
 * and none where it does not (the bindings were made without one).
 */
export function createOfflineDrainActivities(deps: OfflineDrainDeps) {
  const connector = deps.authConnector ?? createAuthConnectorSource(deps);
  const call = async <T>(memberId: string, method: string, params: Record<string, unknown>): Promise<T> => {
    const extra = await connector.params(memberId);
    try {
      return await deps.bitrix24.call<T>(memberId, method, { ...params, ...extra }, { signal: Context.current().cancellationSignal });
    } catch (error) {
      // The plan may have lost the feature: then the next round reads the queue without the connector.
      if (extra.auth_connector !== undefined && isBitrix24ErrorCode(error, 'WRONG_LICENSE')) await connector.lostFeature(memberId);
      throw explainOfflineRefusal(error, memberId, method);
    }
  };

  return {
    /** Whether the plan allows `clear=0` (feature.get, b24restdocs api-reference/common/system/feature-get.md). */
    async checkOfflineFeature(input: { memberId: string }): Promise<{ extended: boolean }> {
      try {
        const answer = await deps.bitrix24.call<{ value?: unknown }>(input.memberId, 'feature.get', { CODE: OFFLINE_EXTENDED_FEATURE });
        return { extended: answer?.value === 'Y' };
      } catch (error) {
        // A portal without feature.get: `clear=1` works on every plan.
        if (isBitrix24ErrorCode(error, 'ERROR_METHOD_NOT_FOUND')) return { extended: false };
        throw error;
      }
    },

    async readOfflineBatch(input: ReadOfflineBatchInput): Promise<ReadOfflineBatchResult> {
      const batch = await call<OfflineBatch>(input.memberId, 'event.offline.get', {
        clear: input.clear ? 1 : 0,
        limit: input.limit,
        ...(input.processId === undefined ? {} : { process_id: input.processId }),
      });
      const events = Array.isArray(batch?.events) ? batch.events : [];
      return { processId: typeof batch?.process_id === 'string' ? batch.process_id : null, records: events.map(toOfflineRecord) };
    },

    /**
     * Hands each record to Temporal: signalWithStart into its entity workflow, as the ingress does with an online
     * delivery. Temporal being unreachable fails the attempt (retried from where it stopped).
     */
    async deliverOfflineRecords(input: DeliverOfflineRecordsInput): Promise<DeliveryOutcome> {
      const client = deps.temporal;
      if (!client) throw CONFIG_FAILURES.create('MissingTemporalClient', 'the worker has no Temporal client for the offline drain');
      const context = Context.current();
      const resumed = context.info.heartbeatDetails as DeliveryProgress | undefined;
      const progress: DeliveryProgress = resumed ?? { next: 0, routed: [], ignored: [], failed: [] };
      const routes = await deps.eventRoutes(input.memberId);
      for (; progress.next < input.records.length; progress.next += 1) {
        const record = input.records[progress.next];
        if (!record) continue;
        const event = offlineRecordToCrmEvent(input.memberId, record);
        const match = event ? findEventRoute(routes, event) : null;
        if (!event) progress.failed.push(record.messageId);
        else if (!match) progress.ignored.push(record.messageId);
        else {
          try {
            await signalEntityWorkflow(client, context.info.taskQueue, match, event);
            progress.routed.push(record.messageId);
          } catch (error) {
            if (isTemporalUnavailable(error)) throw error;
            context.log.warn('offline record could not be handed to its entity workflow', { event: event.event, error: (error as Error).message });
            progress.failed.push(record.messageId);
          }
        }
        context.heartbeat({ ...progress, next: progress.next + 1 });
      }
      return { routed: progress.routed, ignored: progress.ignored, failed: progress.failed };
    },

    /**
     * Confirms a reserved batch: failures first with event.offline.error (which also ends their reservation), then
     * the handled records with event.offline.clear, by message id so a newer change of the same object survives.
     */
    async confirmOfflineBatch(input: ConfirmOfflineBatchInput): Promise<void> {
      if (input.failed.length > 0) {
        await call(input.memberId, 'event.offline.error', { process_id: input.processId, message_id: input.failed });
      }
      if (input.done.length > 0) {
        await call(input.memberId, 'event.offline.clear', { process_id: input.processId, message_id: input.done });
      }
    },
  };
}
