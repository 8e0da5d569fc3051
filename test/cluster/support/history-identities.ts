import type { Client } from '@temporalio/client';

export interface ActivityAttempt {
  activityType: string;
  /** The attempt that ended the activity (the server records the start of retried activities once, with the last). */
  attempt: number;
  /** The worker (`pid@host`) that ran that attempt. */
  identity: string;
}

/**
 * Who ran the run's activities, from the history the server stored (not from our logs), in history order;
 * only the activities of `activityType` when given.
 */
export async function activityAttempts(client: Client, workflowId: string, activityType?: string): Promise<ActivityAttempt[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const typeOfScheduled = new Map(
    events.flatMap((event) => {
      const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [[String(event.eventId), name] as const] : [];
    }),
  );
  return events.flatMap((event) => {
    const started = event.activityTaskStartedEventAttributes;
    if (!started) return [];
    const type = typeOfScheduled.get(String(started.scheduledEventId)) ?? '';
    if (activityType !== undefined && type !== activityType) return [];
    return [{ activityType: type, attempt: started.attempt ?? 1, identity: started.identity ?? '' }];
  });
}
