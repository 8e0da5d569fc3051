import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { ENTITY_TYPE, parseDocumentId } from '../contracts/documents.js';
import type { JIRA_CREATE_PROJECT, RobotCallOf, RobotOutcomeOf, RobotReturnValues } from '../contracts/robot-declarations.js';
import { OUTCOMES } from '../contracts/search-attributes.js';
import { refuseUnconfirmedCall, whyRobotCallIsUnconfirmed } from './robot/confirm-call.js';
import { finishRobot, timeLeftForBitrix24 } from './robot/finish.js';

/** `issue_id` is the Jira issue key (e.g. `OPS-12`): what people see and link; Jira's REST API takes it wherever it takes the id. */
export type JiraProjectReturnValues = RobotReturnValues<typeof JIRA_CREATE_PROJECT>;

/** How long Jira outages (5xx, 429, no answer) are retried before the robot completes with the error. */
const JIRA_RETRY_BOUND_MS = 60 * 60_000;
/** Leaves time for bizproc.event.send after the last attempt when Bitrix24 waits with a timeout. */
const SEND_MARGIN_MS = 10_000;

/**
 * Robot JIRA_CREATE_PROJECT on deals: reads the deal, then finds the Jira issue carrying the deal's label or creates
 * it, and returns its key as `issue_id`. A rejected request (unknown project key, ...) completes the robot at once
 * with Jira's error in the log message; outages are retried with backoff within a bound.
 */
export async function jiraProjectWorkflow(call: RobotCallOf<typeof JIRA_CREATE_PROJECT>): Promise<RobotOutcomeOf<typeof JIRA_CREATE_PROJECT>> {
  // Before anything that leaves a trace (an issue, a timeline line): Bitrix24 must confirm the call.
  const unconfirmed = await whyRobotCallIsUnconfirmed(call);
  if (unconfirmed !== null) return await refuseUnconfirmedCall(call, { issue_id: '' }, unconfirmed);
  const projectKey = String(call.properties.project_key).trim();
  const document = parseDocumentId(call.documentId);
  if (!document || document.entityTypeId !== ENTITY_TYPE.deal) {
    return await finishRobot(call, { issue_id: '' }, `No Jira issue: ${call.documentId[2]} is not a deal`, OUTCOMES.failed);
  }
  const dealId = document.id;

  const scheduleToCloseTimeout = retryBound(timeLeftForBitrix24(call));
  const { readDealForJira } = proxyActivities<Activities>({
    startToCloseTimeout: '45 seconds',
    scheduleToCloseTimeout,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  const { ensureJiraIssueForDeal } = proxyActivities<Activities>({
    // A search and a create, each bounded by JIRA_HTTP_TIMEOUT_MS (15 s by default).
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout,
    // Jira's search index lags writes by seconds: a retry sooner than that could miss an issue the lost attempt created.
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' },
  });

  try {
    const deal = await readDealForJira({ memberId: call.memberId, dealId });
    const issue = await ensureJiraIssueForDeal({ memberId: call.memberId, domain: call.domain, projectKey, deal });
    const what = issue.created ? `created in project ${projectKey}` : 'already existed for this deal';
    return await finishRobot(call, { issue_id: issue.key }, `Jira issue ${issue.key} (id ${issue.id}) ${what}`);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const reason = error.cause instanceof ApplicationFailure ? error.cause.message : (error.cause?.message ?? error.message);
    return await finishRobot(call, { issue_id: '' }, `No Jira issue for deal ${dealId}: ${reason}`, OUTCOMES.failed);
  }
}

function retryBound(msLeftForBitrix24: number | undefined): number {
  if (msLeftForBitrix24 === undefined) return JIRA_RETRY_BOUND_MS;
  return Math.max(1_000, Math.min(JIRA_RETRY_BOUND_MS, msLeftForBitrix24 - SEND_MARGIN_MS));
}
