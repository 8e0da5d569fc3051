import type { Bitrix24Caller } from '../integrations/bitrix24/caller.js';
import { applyPlan, type ApplyProgress, type ApplySummary } from './apply.js';
import type { AppDeclaration } from './declaration.js';
import { diffPortal } from './diff.js';
import type { ProvisioningError } from './errors.js';
import { isEmptyPlan, type ProvisioningPlan } from './plan.js';
import { EMPTY_RECORD, type PortalState, type ProvisioningRecord } from './portal-state.js';
import { readPortal } from './read-portal.js';
import { readProvisioningRecord, saveProvisioningRecord, type PortalSettingsStore } from './record.js';
import { resolveTypes, type TypeResolution } from './resolve.js';
import { resolveShipmentList, type ShipmentListResolution } from './shipment-list.js';
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
export { readAuthConnectorFeature, readPortal } from './read-portal.js';
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

/** What `planProvisioning` found: enough for `applyProvisioning` to act on exactly the plan that was shown. */
export interface PlannedProvisioning {
  plan: ProvisioningPlan;
  warnings: ProvisioningWarning[];
  state: PortalState;
  record: ProvisioningRecord;
  types: TypeResolution;
  /** The shipment list and the property ids that exist already. */
  shipmentList: ShipmentListResolution;
}

export interface ProvisionPortalResult extends PlannedProvisioning {
  /** Absent on a dry run. */
  summary?: ApplySummary;
}

/** Reads the portal and plans the difference. Writes nothing. */
export async function planProvisioning(input: Omit<ProvisionPortalInput, 'dryRun' | 'onProgress'>): Promise<PlannedProvisioning> {
  const { bitrix24, memberId, declaration, settings, signal } = input;
  const record = settings ? await readProvisioningRecord(settings, memberId) : EMPTY_RECORD;
  const list = declaration.shipmentList;
  const listIblockId = list.iblockId ?? record.shipmentListIblockId;
  const state = await readPortal(bitrix24, memberId, {
    signal,
    fieldTypeIds: (crmTypes) =>
      Object.values(resolveTypes(declaration, crmTypes, record)).flatMap((type) => (type ? [type.typeId] : [])),
    shipmentList: {
      iblockTypeId: list.iblockTypeId,
      code: list.code,
      configured: list.iblockId !== undefined,
      ...(listIblockId === undefined ? {} : { iblockId: listIblockId }),
    },
  });
  return {
    plan: diffPortal(declaration, state, record, { reassert: input.reassert === true }),
    warnings: provisioningWarnings(declaration.bizproc, input.warningContext),
    state,
    record,
    types: resolveTypes(declaration, state.crmTypes, record),
    shipmentList: resolveShipmentList(list, state.shipmentList),
  };
}

/**
 * Applies a plan and records what was written. Throws ProvisioningError (the Bitrix24 error is its cause) when a step
 * fails; the steps done before it are still recorded.
 */
export async function applyProvisioning(
  planned: PlannedProvisioning,
  input: Pick<ProvisionPortalInput, 'bitrix24' | 'memberId' | 'settings' | 'onProgress' | 'signal'>,
): Promise<ApplySummary> {
  const { bitrix24, memberId, settings, signal } = input;
  const { plan, types, record, shipmentList } = planned;
  const outcome: { summary: ApplySummary; failure?: ProvisioningError } = isEmptyPlan(plan)
    ? { summary: { added: [], updated: [], removed: [], types, writtenDefinitions: {}, removedDefinitions: [], shipmentList } }
    : await applyPlan({ bitrix24, memberId, plan, types, shipmentList, signal, ...(input.onProgress ? { onProgress: input.onProgress } : {}) });
  if (settings) await saveProvisioningRecord(settings, memberId, record, outcome.summary, planned.state.authConnector);
  if (outcome.failure) throw outcome.failure;
  return outcome.summary;
}

/**
 * Makes a portal match the declaration: reads what exists, plans the difference, applies it. Idempotent: a second run
 * finds nothing to do. For the install hook and a provisioning activity.
 */
export async function provisionPortal(input: ProvisionPortalInput): Promise<ProvisionPortalResult> {
  const planned = await planProvisioning(input);
  if (input.dryRun === true) return planned;
  return { ...planned, summary: await applyProvisioning(planned, input) };
}
