import { ActivityFailure, log, patched, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { parseDocumentId } from '../../contracts/documents.js';
import type { RobotCall } from '../../contracts/robot-call.js';
import type { Outcome } from '../../contracts/search-attributes.js';
import { webUiRunUrl } from '../../contracts/web-ui-links.js';

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

/**
 * Writes one line on the item's CRM timeline with the run's result and its Web UI link. Only for CRM
 * documents; a line that cannot be written is logged, never a reason to fail a run that already reported to Bitrix24.
 */
export async function recordOnTimeline(call: RobotCall, outcome: Outcome, message: string): Promise<void> {
  const item = crmItemOfDocument(call.documentId);
  if (!item || !patched(TIMELINE_LINE_PATCH)) return;
  const { temporalWebUiUrl } = await processSettings();
  const { namespace, workflowId, runId, workflowType } = workflowInfo();
  const link = temporalWebUiUrl ? webUiRunUrl(temporalWebUiUrl, namespace, { workflowId, runId }) : `run ${runId}`;
  try {
    await writeTimelineLine({
      memberId: call.memberId,
      entityTypeId: item.entityTypeId,
      entityId: item.id,
      title: `${call.robotCode || workflowType}: ${OUTCOME_LABELS[outcome]}`,
      text: `${message}\n${link}`,
      marker: runId,
    });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn('the run result could not be written to the CRM timeline', { entityTypeId: item.entityTypeId, entityId: item.id });
  }
}
