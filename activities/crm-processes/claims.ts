import { BITRIX24_FAILURES } from '../../contracts/failures/bitrix24.js';
import { Context } from '@temporalio/activity';
import { buildBatchCommand, type BatchCommandError } from '../../integrations/bitrix24/batch.js';
import { isBitrix24ErrorCode, type Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import type { PortalStore } from '../../lib/portals/store.js';
import { createAuthConnectorSource, writeWithConnector, type AuthConnectorSource } from '../crm/auth-connector.js';
import { changedFields } from '../crm/write-if-changed.js';
import { subCommandFailure } from './sub-command-failure.js';
import { claimFieldNames, crmTaskBinding, type ClaimFieldNames } from '../../contracts/crm-field-names.js';

const DEAL_ENTITY_TYPE_ID = 2;

export interface ClaimRef {
  memberId: string;
  entityTypeId: number;
  id: number;
  /** crm.type `id` of the Claim smart process: names its user fields. */
  claimTypeId: number;
}

/** What the claim intake needs to know about a claim, read fresh from Bitrix24. */
export interface ClaimSnapshot {
  id: number;
  title: string;
  /** ISO 8601 with offset, as crm.item.get returns it. */
  createdTime: string;
  assignedById: number | null;
  /** '' when the claim has no number yet. */
  number: string;
  qualityTaskId: number | null;
  /** The deal the claim is linked to (parentId2). */
  linkedDealId: number | null;
  /** The deal the claim names in its deal field, linked or not yet. */
  namedDealId: number | null;
}

export interface QualityTaskDraft {
  title: string;
  description: string;
  responsibleId: number;
  /** ISO 8601 with the portal's offset. */
  deadline: string;
}

export interface WriteClaimIntakeInput extends ClaimRef {
  number: string;
  /** The task an earlier pass created (pass memory), in case the claim's marker field was cleared since. */
  knownTaskId: number | null;
  task: QualityTaskDraft;
}

export interface ClaimIntakeWrite {
  /** null when the claim no longer exists. */
  taskId: number | null;
  taskCreated: boolean;
  /** camelCase names of the claim fields written; empty when nothing changed. */
  writtenFields: string[];
  dealId: number | null;
}

function positiveId(value: unknown): number | null {
  const id = Number(Array.isArray(value) ? value[0] : value);
  return Number.isInteger(id) && id > 0 ? id : null;
}

function snapshotOf(item: Record<string, unknown>, fields: ClaimFieldNames): ClaimSnapshot {
  const number = item[fields.number];
  return {
    id: Number(item.id),
    title: typeof item.title === 'string' ? item.title : '',
    createdTime: String(item.createdTime ?? ''),
    assignedById: positiveId(item.assignedById),
    number: typeof number === 'string' ? number : '',
    qualityTaskId: positiveId(item[fields.qualityTaskId]),
    linkedDealId: positiveId(item.parentId2),
    namedDealId: positiveId(item[fields.dealId]),
  };
}

interface TaskAddResult {
  task?: { id?: unknown };
}

/** Groups come back as objects keyed by command, or as `[]` when empty (b24restdocs settings/how-to-call-rest-api/batch.md). */
interface BatchReply {
  result?: Record<string, TaskAddResult> | unknown[];
  result_error?: Record<string, BatchCommandError> | unknown[];
}

function entry<T>(group: Record<string, T> | unknown[] | undefined, key: string): T | undefined {
  return group !== undefined && !Array.isArray(group) ? group[key] : undefined;
}

export function createClaimActivities(deps: { bitrix24: Bitrix24Caller; portals?: PortalStore | undefined; authConnector?: AuthConnectorSource }) {
  const signal = () => Context.current().cancellationSignal;
  const connector = deps.authConnector ?? createAuthConnectorSource(deps);

  async function readItem(ref: ClaimRef): Promise<Record<string, unknown> | null> {
    try {
      const answer = await deps.bitrix24.call<{ item: Record<string, unknown> }>(
        ref.memberId,
        'crm.item.get',
        { entityTypeId: ref.entityTypeId, id: ref.id },
        { signal: signal() },
      );
      return answer.item;
    } catch (error) {
      if (isBitrix24ErrorCode(error, 'NOT_FOUND')) return null;
      throw error;
    }
  }

  /**
   * Creates the quality task and records its id on the claim in ONE batch request: if the answer is lost, the retry
   * re-reads the claim, finds the marker and creates nothing twice.
   */
  async function createTaskAndUpdateClaim(
    input: WriteClaimIntakeInput,
    changes: Record<string, unknown>,
    bindings: string[],
  ): Promise<number> {
    const fields = claimFieldNames(input.claimTypeId);
    const taskCommand = buildBatchCommand({
      method: 'tasks.task.add',
      params: {
        fields: {
          TITLE: input.task.title,
          DESCRIPTION: input.task.description,
          RESPONSIBLE_ID: input.task.responsibleId,
          DEADLINE: input.task.deadline,
          UF_CRM_TASK: bindings,
        },
      },
    });
    const claimUpdate = buildBatchCommand({
      method: 'crm.item.update',
      params: { entityTypeId: input.entityTypeId, id: input.id, fields: changes, ...(await connector.params(input.memberId)) },
    });
    // The reference must stay literal: Bitrix24 substitutes `$result[...]` before it parses the command.
    const claimCommand = `${claimUpdate}&${encodeURIComponent(`fields[${fields.qualityTaskId}]`)}=$result[task][task][id]`;
    const reply = await deps.bitrix24.call<BatchReply>(
      input.memberId,
      'batch',
      { halt: 1, cmd: { task: taskCommand, claim: claimCommand } },
      { signal: signal(), budgetMethods: ['tasks.task.add', 'crm.item.update'] },
    );
    const taskError = entry(reply.result_error, 'task');
    if (taskError !== undefined) throw subCommandFailure('tasks.task.add', taskError);
    const taskId = positiveId(entry(reply.result, 'task')?.task?.id);
    if (taskId === null) throw BITRIX24_FAILURES.create('UnexpectedAnswer', 'tasks.task.add answered without a task id');
    if (entry(reply.result_error, 'claim') !== undefined) {
      // The task exists but the marker is missing: write it directly before anything can retry the add.
      await writeWithConnector(
        deps.bitrix24,
        connector,
        input.memberId,
        'crm.item.update',
        { entityTypeId: input.entityTypeId, id: input.id, fields: { ...changes, [fields.qualityTaskId]: taskId } },
        { signal: signal() },
      );
    }
    return taskId;
  }

  return {
    /** The claim as it is now, or null when it was deleted. */
    async readClaim(ref: ClaimRef): Promise<ClaimSnapshot | null> {
      const item = await readItem(ref);
      return item === null ? null : snapshotOf(item, claimFieldNames(ref.claimTypeId));
    },

    /**
     * Brings the claim to its intake state with the fewest writes: the number and the deal link only when they
     * differ, the quality task only when the claim carries no task marker (and no earlier pass remembers one).
     */
    async writeClaimIntake(input: WriteClaimIntakeInput): Promise<ClaimIntakeWrite> {
      const item = await readItem(input);
      if (item === null) return { taskId: null, taskCreated: false, writtenFields: [], dealId: null };
      const fields = claimFieldNames(input.claimTypeId);
      const claim = snapshotOf(item, fields);
      const dealId = claim.namedDealId ?? claim.linkedDealId;
      const changes = changedFields(item, { [fields.number]: input.number, ...(dealId === null ? {} : { parentId2: dealId }) });

      const existingTaskId = claim.qualityTaskId ?? input.knownTaskId;
      if (existingTaskId === null) {
        const bindings = [crmTaskBinding(input.entityTypeId, input.id), ...(dealId === null ? [] : [crmTaskBinding(DEAL_ENTITY_TYPE_ID, dealId)])];
        const taskId = await createTaskAndUpdateClaim(input, changes, bindings);
        return { taskId, taskCreated: true, writtenFields: [...Object.keys(changes), fields.qualityTaskId], dealId };
      }
      if (claim.qualityTaskId === null) changes[fields.qualityTaskId] = existingTaskId;
      if (Object.keys(changes).length > 0) {
        await writeWithConnector(
          deps.bitrix24,
          connector,
          input.memberId,
          'crm.item.update',
          { entityTypeId: input.entityTypeId, id: input.id, fields: changes },
          { signal: signal() },
        );
      }
      return { taskId: existingTaskId, taskCreated: false, writtenFields: Object.keys(changes), dealId };
    },

    /** A system notification; the TAG makes a repeat replace the earlier notification instead of adding one. */
    async notifyClaimManager(input: { memberId: string; userId: number; message: string; tag: string }): Promise<void> {
      await deps.bitrix24.call(
        input.memberId,
        'im.notify.system.add',
        { USER_ID: input.userId, MESSAGE: input.message, TAG: input.tag },
        { signal: signal() },
      );
    },
  };
}
