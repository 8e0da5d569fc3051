import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  bucketFullSignal,
  drained,
  takeRequestSlotsUpdate,
  takeSlots,
  validateTakeSlots,
  type BudgetState,
} from '../contracts/portal-budget.js';

export interface PortalBudgetInput {
  state?: BudgetState;
}

/** A run this idle ends; the next worker that needs a slot starts a fresh one (the bucket has long drained by then). */
const IDLE_END = '5 minutes';
/** Grants per run before continue-as-new: keeps the history (about five events per grant) short to replay. */
const TAKES_PER_RUN = 2_000;

/**
 * Holds one portal's request budget for every worker process (docs/rate-limits.md): each request slot is granted by
 * an Update that counts it in Bitrix24's leaky bucket, so workers together stay within the portal's limit.
 * The handler is synchronous: grants are serialized by the workflow itself and cost one workflow task each.
 */
export async function portalBudgetWorkflow(input: PortalBudgetInput): Promise<void> {
  let state: BudgetState = input.state ?? { level: 0, updatedAtMs: Date.now() };
  let takes = 0;
  let lastBurst = 50;
  let lastPerSecond = 2;

  setHandler(
    takeRequestSlotsUpdate,
    (request) => {
      takes += 1;
      lastBurst = request.burst;
      lastPerSecond = request.perSecond;
      const taken = takeSlots(state, request, Date.now());
      state = taken.state;
      return taken.answer;
    },
    { validator: validateTakeSlots },
  );
  setHandler(bucketFullSignal, () => {
    const current = drained(state, lastPerSecond, Date.now());
    state = { ...state, level: Math.max(current.level, lastBurst), updatedAtMs: current.updatedAtMs };
  });

  for (;;) {
    const before = takes;
    const full = await condition(() => takes >= TAKES_PER_RUN || workflowInfo().continueAsNewSuggested, IDLE_END);
    if (full) break;
    if (takes === before) {
      await condition(allHandlersFinished);
      return;
    }
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof portalBudgetWorkflow>({ state });
}
