import { ActivityFailure, log, patched, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { parseDocumentId } from '../../contracts/documents.js';
import type { RobotCall } from '../../contracts/robot-call.js';
import { OUTCOMES, type Outcome } from '../../contracts/search-attributes.js';
import type { TimelineLine } from '../../activities/robot/finish-run.js';
import { runLinkText } from '../../contracts/web-ui-links.js';

const { writeTimelineLine } = proxyActivities<Activities>({
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  // A line on the card is worth a short portal outage, not holding the run open for a day.
  scheduleToCloseTimeout: '10 minutes',
});
const { processSettings } = proxyLocalActivities<Activities>({ startToCloseTimeout: '5 seconds' });

/** Runs that finished before the timeline line existed replay without it. */
export const TIMELINE_LINE_PATCH = 'runs-tab-timeline-line';

const OUTCOME_LABELS: Record<Outcome, string> = {
  running: 'Running',
  'waiting-external': 'Waiting',
  completed: 'Completed',
  failed: 'Failed',
  escalated: 'Escalated',
};

/** The CRM item of a business-process document (`DEAL_7` → deal 7, `DYNAMIC_147_3` → 147/3); null for others. */
export function crmItemOfDocument(documentId: RobotCall['documentId']) {
  return documentId[0] === 'crm' ? parseDocumentId(documentId) : null;
}

/** What a line says after its message when Bitrix24 had stopped waiting for the robot's answer. */
export const NO_LONGER_WAITING = '(Bitrix24 was no longer waiting for this robot)';

/** This run's page in the Temporal Web UI (TEMPORAL_WEB_UI_URL), or its run id when no UI address is configured. */
async function runLink(): Promise<string> {
  const { temporalWebUiUrl } = await processSettings();
  const { namespace, workflowId, runId } = workflowInfo();
  return runLinkText(temporalWebUiUrl, namespace, { workflowId, runId });
}

/** The line on the item's card for a run that ended with `outcome`, before its link. */
function lineOf(call: RobotCall, item: { entityTypeId: number; id: number }, outcome: Outcome, text: string): TimelineLine {
  return { entityTypeId: item.entityTypeId, entityId: item.id, title: `${call.robotCode || workflowInfo().workflowType}: ${OUTCOME_LABELS[outcome]}`, text };
}

/**
 * The line for either answer Bitrix24 may give to bizproc.event.send, for the activity that sends it
 * (activities/robot/finish-run.ts, which adds the run's link): a refused token makes the run a failed one. Undefined
 * for documents that are not CRM items.
 */
export function timelineLinesForAnswer(call: RobotCall, outcome: Outcome, message: string): { ifDelivered: TimelineLine; ifRefused: TimelineLine } | undefined {
  const item = crmItemOfDocument(call.documentId);
  if (!item) return undefined;
  return { ifDelivered: lineOf(call, item, outcome, message), ifRefused: lineOf(call, item, OUTCOMES.failed, `${message} ${NO_LONGER_WAITING}`) };
}

/**
 * Writes one line on the item's CRM timeline with the run's result and its Web UI link. Only for CRM
 * documents; a line that cannot be written is logged, never a reason to fail a run that already reported to Bitrix24.
 */
export async function recordOnTimeline(call: RobotCall, outcome: Outcome, message: string): Promise<void> {
  const item = crmItemOfDocument(call.documentId);
  if (!item || !patched(TIMELINE_LINE_PATCH)) return;
  const line = { memberId: call.memberId, ...lineOf(call, item, outcome, `${message}\n${await runLink()}`), marker: workflowInfo().runId };
  try {
    await writeTimelineLine(line);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn('the run result could not be written to the CRM timeline', { entityTypeId: line.entityTypeId, entityId: line.entityId });
  }
}
