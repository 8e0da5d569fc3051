import { ActivityFailure, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { EntityPass, EntityPassContext, EntityPassResult } from '../../contracts/entity.js';
import { addBusinessDays, formatZoned, localDateTime, type BusinessCalendar } from './business-days.js';
import { claimKey } from '../../contracts/claim-sequence.js';
import { crmActivities, crmProcessContext, required } from './process-context.js';

const sequence = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  scheduleToCloseTimeout: '1 hour',
});

/** The quality task is due two business days after the claim arrived. */
export const QUALITY_TASK_BUSINESS_DAYS = 2;

/** What the claim pass remembers between passes. */
interface ClaimMemory {
  claimNumber?: string;
  qualityTaskId?: number;
  /** The manager's notification failed after the task was created; the next pass sends it. */
  notifyPending?: boolean;
}

function claimMemoryOf(memory: Record<string, unknown>): ClaimMemory {
  return {
    ...(typeof memory.claimNumber === 'string' ? { claimNumber: memory.claimNumber } : {}),
    ...(typeof memory.qualityTaskId === 'number' ? { qualityTaskId: memory.qualityTaskId } : {}),
    ...(memory.notifyPending === true ? { notifyPending: true } : {}),
  };
}

/** Notifications about one claim share a TAG, so a repeat replaces the earlier one rather than adding another. */
export function claimNotificationTag(memberId: string, entityTypeId: number, id: number): string {
  return `b24-temporal|claim-intake|${memberId}|${entityTypeId}|${id}`;
}

/**
 * Claim intake: a gapless number CL-{year}-{NNNN} (year of the claim's creation in the portal's time zone), written
 * to the claim; one quality task due in two business days; the named deal linked; the manager notified once, with
 * the task.
 * Every step compares with what Bitrix24 holds now, so replays and repeated events write nothing twice.
 */
export const claimIntakePass: EntityPass = async (context: EntityPassContext): Promise<EntityPassResult> => {
  if (context.deleted) return { memory: context.memory, summary: 'claim deleted: nothing to do' };
  const { settings, ids } = await crmProcessContext(context.memberId, { resolveClaimTypeId: true });
  const ref = {
    memberId: context.memberId,
    entityTypeId: context.entityTypeId,
    id: context.entityId,
    claimTypeId: required(ids.claimTypeId, 'the Claim smart-process type id'),
  };
  const claim = await crmActivities.readClaim(ref);
  if (claim === null) return { memory: context.memory, summary: 'claim not found: nothing to do' };
  const memory = claimMemoryOf(context.memory);
  const calendar: BusinessCalendar = { timeZone: settings.portalTimeZone, holidays: settings.holidays };
  const parsedCreated = Date.parse(claim.createdTime);
  // Deterministic in workflow code; used only if Bitrix24 sent no creation time.
  const createdMs = Number.isNaN(parsedCreated) ? Date.now() : parsedCreated;

  let number = claim.number || memory.claimNumber || '';
  if (number === '') {
    const year = localDateTime(createdMs, calendar.timeZone).year;
    const assignment = await sequence.assignClaimNumber({ memberId: context.memberId, year, claimKey: claimKey(ref.entityTypeId, ref.id) });
    number = assignment.number;
  }

  let qualityTaskId = claim.qualityTaskId ?? memory.qualityTaskId ?? null;
  const firstIntake = qualityTaskId === null;
  const dealSettled = claim.namedDealId === null || claim.namedDealId === claim.linkedDealId;
  const complete = claim.number === number && claim.qualityTaskId !== null && dealSettled;
  let written: string[] = [];
  if (!complete) {
    const deadline = formatZoned(addBusinessDays(createdMs, QUALITY_TASK_BUSINESS_DAYS, calendar), calendar.timeZone);
    const outcome = await crmActivities.writeClaimIntake({
      ...ref,
      number,
      knownTaskId: qualityTaskId,
      task: {
        title: `Claim ${number}: quality review`,
        description: `Review claim ${number}${claim.title === '' ? '' : ` "${claim.title}"`}.`,
        responsibleId: settings.qualityHeadUserId,
        deadline,
      },
    });
    qualityTaskId = outcome.taskId;
    written = outcome.writtenFields;
  }

  // The notification goes with the task: sent by the pass that found the claim without one (even if the task's
  // answer was lost and a retry found the marker), or owed by an earlier pass whose notification failed.
  let notifyPending = memory.notifyPending === true || (firstIntake && qualityTaskId !== null);
  if (notifyPending && claim.assignedById !== null) {
    try {
      await crmActivities.notifyClaimManager({
        memberId: context.memberId,
        userId: claim.assignedById,
        message: `Claim ${number}${claim.title === '' ? '' : ` "${claim.title}"`} is registered; the quality department has task #${qualityTaskId ?? '?'}.`,
        tag: claimNotificationTag(context.memberId, ref.entityTypeId, ref.id),
      });
      notifyPending = false;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      // The claim itself is done; the next pass of this entity tries the notification again.
      log.warn('claim notification failed; it stays pending', { claimNumber: number, error: error.message });
    }
  } else notifyPending = false;

  const nextMemory: Record<string, unknown> = { ...context.memory, claimNumber: number, notifyPending };
  if (qualityTaskId !== null) nextMemory.qualityTaskId = qualityTaskId;
  return { memory: nextMemory, summary: written.length === 0 ? `${number}: up to date` : `${number}: wrote ${written.join(', ')}` };
};
