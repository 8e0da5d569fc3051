import { FINANCE_FAILURES } from '../../contracts/failures/finance.js';
import { Context } from '@temporalio/activity';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import type { CompanyCredit, FinanceClient } from '../../integrations/finance/client.js';

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
