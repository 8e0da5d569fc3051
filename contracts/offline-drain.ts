/** Input of `offlineDrainWorkflow`: one portal's offline event queue, drained into the entity workflows. */
export interface OfflineDrainInput {
  memberId: string;
  /** Batches of `batchSize` records read per run at most; the next scheduled run takes the rest. Default 20. */
  maxBatches?: number;
  /** Records per event.offline.get; Bitrix24's default and maximum page is 50. */
  batchSize?: number;
}

export interface OfflineDrainResult {
  batches: number;
  /** Records read from the queue. */
  fetched: number;
  /** Records signalled into an entity workflow. */
  routed: number;
  /** Records no route takes (cleared without work). */
  ignored: number;
  /** Records marked with event.offline.error. */
  failed: number;
}

export const OFFLINE_DRAIN_WORKFLOW_TYPE = 'offlineDrainWorkflow';

/** One Schedule per portal; its runs get ids `offline-drain/{memberId}-{timestamp}`. */
export function offlineDrainScheduleId(memberId: string): string {
  return `offline-drain/${memberId}`;
}
