import { Context } from '@temporalio/activity';
import { FINANCE_FAILURES } from '../../contracts/failures/finance.js';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import type { CompanyCredit, FinanceClient } from '../../integrations/finance/client.js';
import type { Config } from '../../lib/config.js';
import type { CreditCheckSettings } from './settings.js';

export interface NotifyCreditApproverInput {
  memberId: string;
  userId: number;
  message: string;
}

/**
 * Activities of the credit-limit check (CHECK_CREDIT_LIMIT). A lookup is one attempt: the workflow paces retries
 * itself so it can write a progress line per failed attempt and escalate at the exact end of the wait.
 */
export function createCreditActivities(deps: { bitrix24: Bitrix24Caller; finance?: FinanceClient }) {
  return {
    async readCompanyCredit(input: { companyId: string }): Promise<CompanyCredit> {
      if (!deps.finance) {
        throw FINANCE_FAILURES.create('NotConfigured', 'This worker has no finance client (FINANCE_BASE_URL)');
      }
      return deps.finance.getCredit(input.companyId, { signal: Context.current().cancellationSignal });
    },

    async notifyCreditApprover(input: NotifyCreditApproverInput): Promise<void> {
      await deps.bitrix24.call(
        input.memberId,
        'im.notify.system.add',
        { USER_ID: input.userId, MESSAGE: input.message },
        { signal: Context.current().cancellationSignal },
      );
    },
  };
}

/** CHECK_CREDIT_LIMIT in the worker (activities/robots.ts); its slice is `credit`, absent on a worker without it. */
export const creditCheckRobot = {
  activities: createCreditActivities,
  settings: (config: Config): { credit?: CreditCheckSettings } => ({
    credit: {
      waitMs: config.CREDIT_WAIT_SECONDS * 1000,
      retryIntervalMs: config.CREDIT_RETRY_INTERVAL_SECONDS * 1000,
      // One attempt may use the whole HTTP timeout; the margin covers the activity's own start and report.
      attemptTimeoutMs: config.FINANCE_HTTP_TIMEOUT_MS + 5_000,
      approverUserId: config.CREDIT_APPROVER_USER_ID,
    },
  }),
};
