import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { isTemporalUnavailable, signalEntityWorkflow } from '../../lib/crm-events/entity-signal.js';
import { findEventRoute, type EventRouteSource } from '../../lib/crm-events/event-routes.js';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import { offlineRecordToCrmEvent, type OfflineBatch } from './offline-records.js';

export interface OfflineDrainDeps {
  bitrix24: Bitrix24Caller;
  /** Signals records into entity workflows; without it the drain fails non-retryably. */
  temporal?: Client | undefined;
  eventRoutes: EventRouteSource;
}

export interface DrainBatchInput {
  memberId: string;
  /** Reserves the batch (`clear=0`): a retried attempt reads the same records again instead of losing them. */
  processId: string;
  limit: number;
}

export interface DrainBatchResult {
  fetched: number;
  routed: number;
  ignored: number;
  failed: number;
}

/**
 * One batch of the offline queue: read with `clear=0` under `processId`, signal each record into its entity
 * workflow, mark records that cannot be routed with `event.offline.error`, then clear the rest. Temporal being
 * unreachable fails the attempt (retried; the reservation keeps the records); signals repeated by a retry coalesce.
 */
export function createOfflineDrainActivities(deps: OfflineDrainDeps) {
  return {
    async drainOfflineBatch(input: DrainBatchInput): Promise<DrainBatchResult> {
      const { temporal: temporalClient, eventRoutes } = deps;
      if (!temporalClient) {
        throw ApplicationFailure.nonRetryable('the worker has no Temporal client for the offline drain', 'Config.MissingTemporalClient');
      }
      const context = Context.current();
      const signal = context.cancellationSignal;
      const batch = await deps.bitrix24.call<OfflineBatch>(
        input.memberId,
        'event.offline.get',
        { clear: 0, process_id: input.processId, limit: input.limit },
        { signal },
      );
      const routes = await eventRoutes(input.memberId);
      const done: string[] = [];
      const failed: string[] = [];
      let routed = 0;
      for (const record of batch.events) {
        const event = offlineRecordToCrmEvent(input.memberId, record);
        const match = event ? findEventRoute(routes, event) : null;
        if (!event) {
          failed.push(record.MESSAGE_ID);
          continue;
        }
        if (!match) {
          done.push(record.MESSAGE_ID);
          continue;
        }
        try {
          await signalEntityWorkflow(temporalClient, context.info.taskQueue, match, event);
          routed += 1;
          done.push(record.MESSAGE_ID);
        } catch (error) {
          if (isTemporalUnavailable(error)) throw error;
          context.log.warn('offline event could not be routed', { event: event.event, error: (error as Error).message });
          failed.push(record.MESSAGE_ID);
        }
        context.heartbeat();
      }
      // error first: it releases the reservation, so the clear below cannot take a failed record with it.
      if (failed.length > 0) {
        await deps.bitrix24.call(input.memberId, 'event.offline.error', { process_id: batch.process_id, message_id: failed }, { signal });
      }
      if (done.length > 0) {
        await deps.bitrix24.call(input.memberId, 'event.offline.clear', { process_id: batch.process_id, message_id: done }, { signal });
      }
      return { fetched: batch.events.length, routed, ignored: done.length - routed, failed: failed.length };
    },
  };
}
