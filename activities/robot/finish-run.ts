import { ApplicationFailure } from '@temporalio/common';
import { Context, log } from '@temporalio/activity';
import { runLinkText } from '../../contracts/web-ui-links.js';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import { sendRobotResult, type CompleteRobotInput } from './completion.js';
import type { CommonProcessSettings } from '../settings.js';
import { timelineWriter, type TimelineLineInput } from './timeline.js';

/** A line as the workflow words it; the activity adds the run's Web UI link, which is also its marker. */
export type TimelineLine = Omit<TimelineLineInput, 'memberId' | 'marker'>;

export interface FinishRobotRunInput extends CompleteRobotInput {
  /**
   * The line for the CRM item's timeline, as the workflow wrote it for both of Bitrix24's possible answers; absent for
   * documents that are not CRM items.
   */
  timeline?: { ifDelivered: TimelineLine; ifRefused: TimelineLine };
}

export interface FinishRobotRunResult {
  delivered: boolean;
  /** `false` when the line could not be written in time (it is worth a warning, never a failed run). */
  lineWritten: boolean;
}

/** What an attempt that got Bitrix24's answer leaves for the next attempt, as heartbeat details. */
interface SentCheckpoint {
  delivered: boolean;
  /** When the answer was delivered (epoch ms): the line is tried for TIMELINE_PATIENCE_MS from then. */
  at: number;
}

/** As long as the line on the card was retried when it was an activity of its own: a short outage, not a day. */
export const TIMELINE_PATIENCE_MS = 10 * 60_000;

function checkpointOf(details: unknown): SentCheckpoint | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const { delivered, at } = details as Partial<SentCheckpoint>;
  return typeof delivered === 'boolean' && typeof at === 'number' ? { delivered, at } : undefined;
}

/**
 * The end of every robot run in one activity: `bizproc.event.send`, then the line on the CRM timeline. One activity
 * instead of two saves a workflow task and an activity task per run, which is what a storm of robot calls on a small
 * machine is made of (docs/rate-limits.md).
 *
 * The answer is sent once: after it, the attempt records Bitrix24's verdict as heartbeat details, and a retried attempt
 * (the line failed, or the worker died) starts from there. Bitrix24 would accept a second send for the spent token and
 * ignore it, so the checkpoint saves a request per retry and keeps the verdict of the send that counted. The line
 * itself is searched for before a retried attempt adds it.
 */
export function createRobotFinishActivities(deps: { bitrix24: Bitrix24Caller; settings: Pick<CommonProcessSettings, 'temporalWebUiUrl'> }) {
  const { writeLineOnce } = timelineWriter(deps);
  return {
    async finishRobotRun(input: FinishRobotRunInput): Promise<FinishRobotRunResult> {
      const context = Context.current();
      const { cancellationSignal: signal } = context;
      const resumed = checkpointOf(context.info.heartbeatDetails);
      let sent = resumed;
      if (sent === undefined) {
        sent = { delivered: await sendRobotResult(deps.bitrix24, input, signal), at: Date.now() };
        context.heartbeat(sent);
      }
      if (input.timeline === undefined) return { delivered: sent.delivered, lineWritten: false };
      const { namespace, workflowExecution: run = { workflowId: '', runId: context.info.activityId } } = context.info;
      const worded = sent.delivered ? input.timeline.ifDelivered : input.timeline.ifRefused;
      const line = { memberId: input.memberId, ...worded, text: `${worded.text}\n${runLinkText(deps.settings.temporalWebUiUrl, namespace, run)}`, marker: run.runId };
      try {
        // Only an attempt after one that got this far can find its own line: others spend no request on the search.
        await writeLineOnce(line, { searchFirst: resumed !== undefined, signal });
        return { delivered: sent.delivered, lineWritten: true };
      } catch (error) {
        const finalFailure = error instanceof ApplicationFailure && error.nonRetryable;
        if (signal.aborted || (!finalFailure && Date.now() - sent.at < TIMELINE_PATIENCE_MS)) throw error;
        log.warn('the run result could not be written to the CRM timeline', { entityTypeId: line.entityTypeId, entityId: line.entityId });
        return { delivered: sent.delivered, lineWritten: false };
      }
    },
  };
}
