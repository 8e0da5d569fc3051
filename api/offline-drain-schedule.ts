import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import {
  OFFLINE_DRAIN_WORKFLOW_TYPE,
  offlineDrainScheduleId,
  type OfflineDrainInput,
} from '../contracts/offline-drain.js';
import { SA_PORTAL, SA_PROCESS } from '../contracts/search-attributes.js';

export const OFFLINE_DRAIN_PROCESS = 'offline-drain';

export interface OfflineDrainScheduleOptions {
  memberId: string;
  taskQueue: string;
  intervalSeconds: number;
}

function scheduleOptions(options: OfflineDrainScheduleOptions): ScheduleOptions {
  const scheduleId = offlineDrainScheduleId(options.memberId);
  const input: OfflineDrainInput = { memberId: options.memberId };
  return {
    scheduleId,
    spec: { intervals: [{ every: `${options.intervalSeconds}s` }] },
    action: {
      type: 'startWorkflow',
      workflowType: OFFLINE_DRAIN_WORKFLOW_TYPE,
      workflowId: scheduleId,
      taskQueue: options.taskQueue,
      args: [input],
      typedSearchAttributes: [
        { key: SA_PORTAL, value: options.memberId },
        { key: SA_PROCESS, value: OFFLINE_DRAIN_PROCESS },
      ],
      staticSummary: `offline event queue of ${options.memberId}`,
    },
    // A drain still running when the next one is due makes the next one redundant.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
  };
}

/**
 * The per-portal Schedule that drains Bitrix24's offline event queue (DESIGN.md decision 8). Idempotent: an existing
 * schedule is brought to the current interval and task queue.
 */
export async function ensureOfflineDrainSchedule(client: Client, options: OfflineDrainScheduleOptions): Promise<{ scheduleId: string; created: boolean }> {
  const wanted = scheduleOptions(options);
  try {
    await client.schedule.create(wanted);
    return { scheduleId: wanted.scheduleId, created: true };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(wanted.scheduleId).update((previous) => ({
      ...previous,
      spec: wanted.spec,
      action: wanted.action,
      policies: { ...previous.policies, ...wanted.policies },
    }));
    return { scheduleId: wanted.scheduleId, created: false };
  }
}
