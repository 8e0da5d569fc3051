import type { Bitrix24Caller } from '../activities/bitrix24/caller.js';
import { applyPlan, type ApplyProgress, type ApplySummary } from './apply.js';
import type { AppDeclaration } from './declaration.js';
import { diffPortal } from './diff.js';
import type { ProvisioningError } from './errors.js';
import { isEmptyPlan, type ProvisioningPlan } from './plan.js';
import { EMPTY_RECORD, type PortalState } from './portal-state.js';
import { readPortal } from './read-portal.js';
import { readProvisioningRecord, saveProvisioningRecord, type PortalSettingsStore } from './record.js';
import { resolveTypes } from './resolve.js';
import { provisioningWarnings, type ProvisioningWarning, type WarningContext } from './warnings.js';

export { applyPlan, PLAN_ACTION } from './apply.js';
export type { ApplyProgress, ApplySummary, PlanAction } from './apply.js';
export { buildDeclaration, HANDLER_PATHS } from './declaration.js';
export type { AppDeclaration, BizprocDeclaration, EntityTypeRef, ProvisioningOptions } from './declaration.js';
export { diffPortal } from './diff.js';
export type { DiffOptions } from './diff.js';
export { ProvisioningError } from './errors.js';
export { formatPlan, formatProgress, formatWarnings } from './format-plan.js';
export { describeResource, isEmptyPlan, UPDATE_REASON } from './plan.js';
export type { ProvisioningPlan, Resource } from './plan.js';
export type { PortalState, ProvisioningRecord } from './portal-state.js';
export { readPortal } from './read-portal.js';
export type { PortalSettingsStore } from './record.js';
export { SMART_PROCESS, userFieldEntityId, userFieldName, CLAIM_NUMBER_SUFFIX } from './smart-processes.js';
export { provisioningWarnings, WARNING } from './warnings.js';
export type { ProvisioningWarning } from './warnings.js';

export interface ProvisionPortalInput {
  /** The Bitrix24 client (or its ApplicationFailure wrapper inside an activity). Needs the app's OAuth context. */
  bitrix24: Bitrix24Caller;
  memberId: string;
  declaration: AppDeclaration;
  /** Read and plan only: nothing is written to Bitrix24 or to the portal's settings. */
  dryRun?: boolean;
  /** Rewrite every existing robot and activity (see DiffOptions.reassert). The install hook should pass true. */
  reassert?: boolean;
  /**
   * Keeps what provisioning wrote (robot definition hashes, smart-process ids). Without it every existing robot counts
   * as unrecorded and is rewritten on each run.
   */
  settings?: PortalSettingsStore;
  onProgress?: (progress: ApplyProgress) => void;
  warningContext?: WarningContext;
  signal?: AbortSignal;
}

export interface ProvisionPortalResult {
  plan: ProvisioningPlan;
  warnings: ProvisioningWarning[];
  state: PortalState;
  /** Absent on a dry run. */
  summary?: ApplySummary;
}

/**
 * Makes a portal match the declaration: reads what exists, plans the difference, applies it. Idempotent: a second run
 * finds nothing to do. Throws ProvisioningError (with the Bitrix24 error as its cause) when a step fails; the steps
 * done before it are still recorded.
 */
export async function provisionPortal(input: ProvisionPortalInput): Promise<ProvisionPortalResult> {
  const { bitrix24, memberId, declaration, settings, signal } = input;
  const record = settings ? await readProvisioningRecord(settings, memberId) : EMPTY_RECORD;
  const state = await readPortal(bitrix24, memberId, {
    signal,
    fieldTypeIds: (crmTypes) =>
      Object.values(resolveTypes(declaration, crmTypes, record)).flatMap((type) => (type ? [type.typeId] : [])),
  });
  const plan = diffPortal(declaration, state, record, { reassert: input.reassert === true });
  const warnings = provisioningWarnings(declaration.bizproc, input.warningContext);
  if (input.dryRun === true) return { plan, warnings, state };

  const types = resolveTypes(declaration, state.crmTypes, record);
  const outcome: { summary: ApplySummary; failure?: ProvisioningError } = isEmptyPlan(plan)
    ? { summary: { added: [], updated: [], removed: [], types, writtenDefinitions: {}, removedDefinitions: [] } }
    : await applyPlan({ bitrix24, memberId, plan, types, signal, ...(input.onProgress ? { onProgress: input.onProgress } : {}) });
  if (settings) await saveProvisioningRecord(settings, memberId, record, outcome.summary);
  if (outcome.failure) throw outcome.failure;
  return { plan, warnings, state, summary: outcome.summary };
}
