import { ScheduleNotFoundError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { OFFLINE_DRAIN_WORKFLOW_TYPE, offlineDrainWorkflowId } from '../../contracts/offline-drain.js';
import { SA_PORTAL } from '../../contracts/search-attributes.js';

export interface PortalTeardown {
  deletedSchedules: string[];
  cancelledWorkflows: string[];
}

/** Per-portal Schedule ids end with `/{memberId}` (`offline-drain/{memberId}`), so an uninstall can find them all. */
export function isPortalScheduleId(scheduleId: string, memberId: string): boolean {
  return scheduleId.endsWith(`/${memberId}`);
}

async function deleteSchedule(client: Client, scheduleId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

async function cancelWorkflow(client: Client, workflowId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).cancel();
    return true;
  } catch (error) {
    // Never started, or already closed.
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/**
 * Stops what runs for a portal on its own after ONAPPUNINSTALL: its Schedules (the offline drain's and any other
 * `…/{memberId}`), the long-lived drain workflow `offline-drain/{memberId}`, and drain runs a Schedule started.
 */
export async function stopPortalBackgroundWork(client: Client, memberId: string): Promise<PortalTeardown> {
  const scheduleIds = new Set([offlineDrainWorkflowId(memberId)]);
  for await (const schedule of client.schedule.list()) {
    if (isPortalScheduleId(schedule.scheduleId, memberId)) scheduleIds.add(schedule.scheduleId);
  }
  const deletedSchedules: string[] = [];
  for (const scheduleId of scheduleIds) if (await deleteSchedule(client, scheduleId)) deletedSchedules.push(scheduleId);

  const workflowIds = new Set([offlineDrainWorkflowId(memberId)]);
  // Member ids are hex in Bitrix24; anything else is not put into a visibility query.
  if (/^[\w.-]+$/.test(memberId)) {
    const query = `${SA_PORTAL.name} = '${memberId}' AND WorkflowType = '${OFFLINE_DRAIN_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
    for await (const run of client.workflow.list({ query })) workflowIds.add(run.workflowId);
  }
  const cancelledWorkflows: string[] = [];
  for (const workflowId of workflowIds) if (await cancelWorkflow(client, workflowId)) cancelledWorkflows.push(workflowId);
  return { deletedSchedules, cancelledWorkflows };
}
