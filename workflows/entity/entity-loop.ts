import {
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { ENTITY_FAILURES } from '../../contracts/crm-processes.js';
import {
  entityChangedSignal,
  type EntityChange,
  type EntityPass,
  type EntityPassContext,
  type EntityProcessName,
  type EntityWorkflowInput,
} from '../../contracts/entity.js';
import { OUTCOMES, SA_OUTCOME, type Outcome } from '../../contracts/search-attributes.js';
import { hasKind, withChange } from './pending-changes.js';

export type ProcessRegistry = { readonly [P in EntityProcessName]: EntityPass };

export interface EntityWorkflowArgs extends EntityWorkflowInput {
  /** Test hook: continue-as-new after this many passes, as if Temporal had suggested it. Not carried over. */
  continueAsNewAfterPasses?: number;
}

/** What one run did; a run that continued as new reports nothing (its successor does). */
export interface EntityRunResult {
  passes: number;
  failedPasses: number;
  deleted: boolean;
  lastSummary?: string;
}

export const ENTITY_DEFAULTS = {
  coalesceWindowMs: 2_000,
  /** With nothing pending for this long the run completes; the next event starts a fresh one. */
  idleMs: 10 * 60_000,
} as const;

const { processSettings } = proxyLocalActivities<Activities>({ startToCloseTimeout: '5 seconds' });

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The entity workflow `entity/{memberId}/{entityTypeId}/{id}` (docs/architecture.md), bound to a registry of passes
 * so tests can run the same loop with passes of their own. Signals only queue changes; the main loop coalesces them
 * for one window and runs one pass, which re-reads the item (events carry only ids).
 */
export function createEntityWorkflow(registry: ProcessRegistry) {
  return async function entityWorkflow(input: EntityWorkflowArgs): Promise<EntityRunResult> {
    let pending: EntityChange[] = [];
    for (const change of input.pending ?? []) pending = withChange(pending, change);
    setHandler(entityChangedSignal, (change) => {
      pending = withChange(pending, change);
    });

    const pass = registry[input.process];
    if (pass === undefined) {
      throw ENTITY_FAILURES.create('UnknownProcess', `no pass is registered for process ${input.process}`);
    }
    const settings = await processSettings();
    const windowMs = settings.entityCoalesceWindowMs ?? ENTITY_DEFAULTS.coalesceWindowMs;
    const idleMs = settings.entityIdleMs ?? ENTITY_DEFAULTS.idleMs;

    let memory = input.memory ?? {};
    let outcome: Outcome = OUTCOMES.running;
    let lastPassFailed = false;
    const result: EntityRunResult = { passes: 0, failedPasses: 0, deleted: false };
    const setOutcome = (next: Outcome) => {
      if (next === outcome) return;
      outcome = next;
      upsertSearchAttributes([{ key: SA_OUTCOME, value: next }]);
    };

    for (;;) {
      if (pending.length === 0) {
        await condition(() => pending.length > 0, idleMs);
        // A signal may land in the same activation as the idle timer: only an empty queue ends the run.
        if (pending.length === 0) break;
      }
      // Let the storm settle; a delete needs no more waiting.
      if (!hasKind(pending, 'delete')) await condition(() => hasKind(pending, 'delete'), windowMs);

      const changes = pending;
      pending = [];
      const context: EntityPassContext = {
        memberId: input.memberId,
        entityTypeId: input.entityTypeId,
        entityId: input.entityId,
        deleted: hasKind(changes, 'delete'),
        added: hasKind(changes, 'add'),
        changes,
        memory,
      };
      result.passes += 1;
      try {
        const passed = await pass(context);
        if (passed.memory !== undefined) memory = passed.memory;
        if (passed.summary !== undefined) result.lastSummary = passed.summary;
        lastPassFailed = false;
        setOutcome(OUTCOMES.running);
      } catch (error) {
        if (isCancellation(error)) throw error;
        // One failed pass must not stop the entity: the next change gets a fresh pass.
        result.failedPasses += 1;
        lastPassFailed = true;
        log.error('entity pass failed', { process: input.process, error: errorMessage(error) });
        setOutcome(OUTCOMES.failed);
      }

      if (context.deleted) {
        // The item is gone: whatever else was queued for it is moot.
        result.deleted = true;
        break;
      }
      const forced = input.continueAsNewAfterPasses !== undefined && result.passes >= input.continueAsNewAfterPasses;
      if (workflowInfo().continueAsNewSuggested || forced) {
        await condition(allHandlersFinished);
        const { continueAsNewAfterPasses: _hook, ...carried } = input;
        return await continueAsNew<typeof entityWorkflow>({ ...carried, pending, memory });
      }
    }

    setOutcome(lastPassFailed ? OUTCOMES.failed : OUTCOMES.completed);
    return result;
  };
}
