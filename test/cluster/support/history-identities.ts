import type { Client } from '@temporalio/client';

/**
 * The worker identities (`pid@host`) that started the run's activities, in history order: who did the work. Taken
 * from the history the server stored, not from our logs.
 */
export async function activityWorkerIdentities(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const identity = event.activityTaskStartedEventAttributes?.identity;
    return identity ? [identity] : [];
  });
}
