import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  EXTERNAL_WRITE_WORKFLOW_TYPE,
  externalWriteWorkflowId,
  type ExternalWriteInput,
  type ExternalWriteResult,
} from '../contracts/external-write.js';
import { OUTCOMES, SA_DOCUMENT, SA_OUTCOME, SA_PORTAL, SA_PROCESS } from '../contracts/search-attributes.js';
import { isTemporalUnavailable } from '../lib/crm-events/entity-signal.js';
import { entityDocumentKey } from '../lib/crm-events/event-routes.js';
import { TEMPORAL_DEADLINE_MS, TemporalUnavailableError } from './workflow-gateway.js';

export const EXTERNAL_WRITE_PROCESS = 'external-write';
const WRITE_ID_PREFIX = 'write/';

export interface ExternalWriteStart {
  workflowId: string;
  runId: string;
}

export interface ExternalWriteStatus {
  workflowId: string;
  runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, TERMINATED, ... */
  status: string;
  result?: ExternalWriteResult;
  error?: string;
  /** The portal the write went to (its `B24Portal`), null when the run carries none: scopes the status to API keys. */
  memberId: string | null;
}

/** The same idempotency key was used before for a different request. */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
}

/** What POST /api/v1/items and GET /api/v1/runs need from Temporal. */
export interface ExternalWriteGateway {
  start(input: ExternalWriteInput): Promise<ExternalWriteStart>;
  /** null for an unknown id, and for ids that are not external writes. */
  status(workflowId: string): Promise<ExternalWriteStatus | null>;
}

/**
 * Fingerprint of everything but the key: a repeated key must repeat the request. Hashed over the canonical JSON of
 * RFC 8785 (keys sorted, numbers in one spelling), so the same request sent with its keys in another order is the
 * same request.
 */
export function requestFingerprint(input: ExternalWriteInput): string {
  const { idempotencyKey: _key, ...request } = input;
  return createHash('sha256').update(canonicalize(request) ?? '').digest('hex');
}

/** The innermost cause says why (the Bitrix24 answer), the outer ones only "activity task failed". */
function rootMessage(error: Error): string {
  let current: Error = error;
  for (let hops = 0; current.cause instanceof Error && hops < 10; hops += 1) current = current.cause;
  return current.message;
}

export class TemporalExternalWriteGateway implements ExternalWriteGateway {
  constructor(private readonly options: { client: Client; taskQueue: string; deadlineMs?: number }) {}

  async start(input: ExternalWriteInput): Promise<ExternalWriteStart> {
    const workflowId = externalWriteWorkflowId(input.memberId, input.idempotencyKey);
    const fingerprint = requestFingerprint(input);
    // A new item has no id yet, so no document to search by.
    const document = input.id === undefined ? undefined : entityDocumentKey({ entityTypeId: input.entityTypeId, entityId: input.id });
    return this.withinDeadline(async () => {
      try {
        // USE_EXISTING answers a repeat while the run is open; REJECT_DUPLICATE keeps a finished key finished.
        await this.options.client.workflow.start(EXTERNAL_WRITE_WORKFLOW_TYPE, {
          taskQueue: this.options.taskQueue,
          workflowId,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          memo: { fingerprint },
          typedSearchAttributes: [
            { key: SA_PORTAL, value: input.memberId },
            ...(document === undefined ? [] : [{ key: SA_DOCUMENT, value: document }]),
            { key: SA_PROCESS, value: EXTERNAL_WRITE_PROCESS },
            { key: SA_OUTCOME, value: OUTCOMES.running },
          ],
          staticSummary: `${document ?? `new item of type ${input.entityTypeId}`} · external write`,
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      const description = await this.options.client.workflow.getHandle(workflowId).describe();
      if (description.memo?.fingerprint !== fingerprint) {
        throw new IdempotencyConflictError(`idempotency key ${input.idempotencyKey} was used for a different request`);
      }
      return { workflowId, runId: description.runId };
    });
  }

  async status(workflowId: string): Promise<ExternalWriteStatus | null> {
    if (!workflowId.startsWith(WRITE_ID_PREFIX) || workflowId.length === WRITE_ID_PREFIX.length) return null;
    return this.withinDeadline(async () => {
      const handle = this.options.client.workflow.getHandle(workflowId);
      let description;
      try {
        description = await handle.describe();
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return null;
        throw error;
      }
      const status: ExternalWriteStatus = {
        workflowId,
        runId: description.runId,
        status: description.status.name,
        memberId: description.typedSearchAttributes.get(SA_PORTAL) ?? null,
      };
      if (description.status.name === 'COMPLETED') {
        status.result = (await handle.result()) as ExternalWriteResult;
      } else if (description.status.name === 'FAILED') {
        status.error = await handle.result().then(
          () => 'failed',
          (error: unknown) => (error instanceof WorkflowFailedError ? rootMessage(error) : 'failed'),
        );
      }
      return status;
    });
  }

  private async withinDeadline<T>(call: () => Promise<T>): Promise<T> {
    const { connection } = this.options.client;
    try {
      return await connection.withDeadline(Date.now() + (this.options.deadlineMs ?? TEMPORAL_DEADLINE_MS), call);
    } catch (error) {
      if (isTemporalUnavailable(error)) throw new TemporalUnavailableError(`Temporal is unavailable: ${(error as Error).message}`, { cause: error });
      throw error;
    }
  }
}
