import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

/** Every pass of every CRM process starts with this activity (workflows/processes/process-context.ts). */
const PASS_MARKER_ACTIVITY = 'readCrmPortalIds';
/** Longer than any coalescing window the tests use, shorter than the entity's idle wait (10 minutes). */
const IDLE_TIMER_MIN_SECONDS = 60;

export interface EntityRunState {
  /** Passes started by the latest run of the entity workflow. */
  passes: number;
  /** Nothing pending and no pass in progress: the run waits for its next change, or has ended. */
  idle: boolean;
  closed: boolean;
}

function timerSeconds(event: temporal.api.history.v1.IHistoryEvent): number {
  return Number(event.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0);
}

/**
 * What an entity workflow did, read from its history (the run is not queryable). Idle means: the last thing it did
 * was to start its idle timer, after the last signal and the last activity.
 */
export async function entityRunState(client: Client, workflowId: string): Promise<EntityRunState> {
  const handle = client.workflow.getHandle(workflowId);
  const events = (await handle.fetchHistory()).events ?? [];
  let passes = 0;
  let lastIdleTimer = -1;
  let lastWork = -1;
  let closed = false;
  events.forEach((event, index) => {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) lastWork = index;
    if (scheduled?.activityType?.name === PASS_MARKER_ACTIVITY) passes += 1;
    if (event.workflowExecutionSignaledEventAttributes) lastWork = index;
    if (event.timerStartedEventAttributes && timerSeconds(event) >= IDLE_TIMER_MIN_SECONDS) lastIdleTimer = index;
    if (event.workflowExecutionCompletedEventAttributes || event.workflowExecutionFailedEventAttributes) closed = true;
    if (event.workflowExecutionContinuedAsNewEventAttributes || event.workflowExecutionTerminatedEventAttributes) closed = true;
  });
  return { passes, idle: closed || lastIdleTimer > lastWork, closed };
}

/** Polls until `check` resolves truthy; fails with `what` and the last value after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T> | T, what: string, timeoutMs = 30_000, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until the entity workflow has started `passes` passes (at least) and is idle again. */
export async function waitForEntityIdle(client: Client, workflowId: string, passes: number, timeoutMs = 60_000): Promise<EntityRunState> {
  return eventually(
    async () => {
      const state = await entityRunState(client, workflowId);
      return state.idle && state.passes >= passes ? state : null;
    },
    `${workflowId}: ${passes} pass(es), then idle`,
    timeoutMs,
    200,
  );
}
