import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import {
  OFFLINE_DRAIN_PROCESS,
  OFFLINE_DRAIN_WORKFLOW_TYPE,
  offlineDrainWakeSignal,
  offlineDrainWorkflowId,
  type OfflineDrainInput,
  type OfflineDrainWakeReason,
} from '../contracts/offline-drain.js';
import { OUTCOMES, SA_OUTCOME, SA_PORTAL, SA_PROCESS } from '../contracts/search-attributes.js';

/**
 * Wakes the portal's one offline drain, starting it when none runs: USE_EXISTING hands the signal to the running
 * drain (wakes coalesce there), ALLOW_DUPLICATE starts a fresh one after a cancelled or failed run (a reinstall).
 */
export async function wakeOfflineDrain(
  client: Client,
  options: { memberId: string; taskQueue: string; reason: OfflineDrainWakeReason },
): Promise<{ workflowId: string }> {
  const workflowId = offlineDrainWorkflowId(options.memberId);
  const input: OfflineDrainInput = { memberId: options.memberId };
  await client.workflow.signalWithStart(OFFLINE_DRAIN_WORKFLOW_TYPE, {
    taskQueue: options.taskQueue,
    workflowId,
    args: [input],
    signal: offlineDrainWakeSignal,
    signalArgs: [{ reason: options.reason }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [
      { key: SA_PORTAL, value: options.memberId },
      { key: SA_PROCESS, value: OFFLINE_DRAIN_PROCESS },
      { key: SA_OUTCOME, value: OUTCOMES.running },
    ],
    staticSummary: `Offline event queue of ${options.memberId}`,
  });
  return { workflowId };
}

/**
 * Earlier versions drained through a per-portal Schedule under the drain's id, starting a finished run every
 * interval; the long-lived drain replaces it. Answers whether one was deleted.
 */
export async function deleteLegacyDrainSchedule(client: Client, memberId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(offlineDrainWorkflowId(memberId)).delete();
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}
