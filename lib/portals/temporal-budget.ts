import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { bucketFullSignal, takeRequestSlotsUpdate, type TakeSlotsAnswer, type TakeSlotsRequest } from '../../contracts/portal-budget.js';
import { SA_PORTAL, SA_PROCESS } from '../../contracts/search-attributes.js';
import { budgetTaskQueue, portalBudgetWorkflowId } from '../../contracts/workflow-ids.js';

/** The budget holder of each portal as this process reaches it: one Update per grant, one Signal per 503. */
export interface BudgetHolder {
  take(memberId: string, request: TakeSlotsRequest): Promise<TakeSlotsAnswer>;
  bucketFull(memberId: string): Promise<void>;
}

/**
 * Talks to the per-portal `portalBudgetWorkflow` (docs/rate-limits.md). The holder is started on first use (and again
 * after an idle run ended) with update-with-start; afterwards a plain Update reaches the running holder.
 */
export function createTemporalBudgetHolder(deps: { client: Client; taskQueue: string }): BudgetHolder {
  const taskQueue = budgetTaskQueue(deps.taskQueue);

  function startOperation(memberId: string) {
    return new WithStartWorkflowOperation('portalBudgetWorkflow', {
      workflowId: portalBudgetWorkflowId(memberId),
      taskQueue,
      args: [{}],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Portal ${memberId} · request budget`,
      typedSearchAttributes: [
        { key: SA_PORTAL, value: memberId },
        { key: SA_PROCESS, value: 'portal-budget' },
      ],
    });
  }

  return {
    async take(memberId, request) {
      try {
        return await deps.client.workflow.getHandle(portalBudgetWorkflowId(memberId)).executeUpdate(takeRequestSlotsUpdate, { args: [request] });
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        return deps.client.workflow.executeUpdateWithStart(takeRequestSlotsUpdate, {
          args: [request],
          startWorkflowOperation: startOperation(memberId),
        });
      }
    },
    async bucketFull(memberId) {
      await deps.client.workflow.signalWithStart('portalBudgetWorkflow', {
        workflowId: portalBudgetWorkflowId(memberId),
        taskQueue,
        args: [{}],
        signal: bucketFullSignal,
        staticSummary: `Portal ${memberId} · request budget`,
        typedSearchAttributes: [
          { key: SA_PORTAL, value: memberId },
          { key: SA_PROCESS, value: 'portal-budget' },
        ],
      });
    },
  };
}
