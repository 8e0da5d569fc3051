import { Context } from '@temporalio/activity';
import { JIRA_FAILURES } from '../../contracts/failures/jira.js';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import type { JiraClient } from '../../integrations/jira/client.js';
import { dealLabel } from '../../integrations/jira/labels.js';
import { toDealForJira, type DealForJira } from './deal.js';
import { issueDescription, issueSummary } from './issue-text.js';

export interface EnsureJiraIssueInput {
  memberId: string;
  /** Portal domain, for the link back to the deal. */
  domain: string;
  projectKey: string;
  deal: DealForJira;
}

export interface JiraIssueForDeal {
  id: string;
  key: string;
  /** False when an issue carrying the deal's label already existed. */
  created: boolean;
}

/** Activities of the JIRA_CREATE_PROJECT robot. */
export function createJiraProjectActivities(deps: { bitrix24: Bitrix24Caller; jira?: JiraClient }) {
  return {
    async readDealForJira(input: { memberId: string; dealId: number }): Promise<DealForJira> {
      const raw = await deps.bitrix24.call<Record<string, unknown>>(
        input.memberId,
        'crm.deal.get',
        { id: input.dealId },
        { signal: Context.current().cancellationSignal },
      );
      return toDealForJira(input.dealId, raw);
    },

    /**
     * One Jira issue per deal: every attempt searches by the deal label before it creates, so an attempt retried after
     * a lost answer finds the issue instead of creating a second one. Jira's search lags writes by seconds, which is
     * why the workflow retries this activity no sooner than several seconds later.
     */
    async ensureJiraIssueForDeal(input: EnsureJiraIssueInput): Promise<JiraIssueForDeal> {
      if (!deps.jira) {
        throw JIRA_FAILURES.create('NotConfigured', 'This worker has no Jira client (JIRA_BASE_URL)');
      }
      const signal = Context.current().cancellationSignal;
      const label = dealLabel(input.memberId, input.deal.id);
      const existing = await deps.jira.findIssueByLabel(label, { signal });
      if (existing) return { ...existing, created: false };
      const created = await deps.jira.createIssue(
        {
          projectKey: input.projectKey,
          summary: issueSummary(input.deal),
          description: issueDescription(input.deal, input.domain),
          labels: [label],
        },
        { signal },
      );
      return { ...created, created: true };
    },
  };
}

/** JIRA_CREATE_PROJECT in the worker (activities/robots.ts); it has no settings of its own. */
export const jiraProjectRobot = { activities: createJiraProjectActivities };
