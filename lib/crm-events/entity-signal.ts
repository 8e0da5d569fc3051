import { isGrpcServiceError, type Client } from '@temporalio/client';
import { crmItemLabel } from '../../contracts/documents.js';
import { OUTCOMES, SA_DOCUMENT, SA_OUTCOME, SA_PORTAL, SA_PROCESS } from '../../contracts/search-attributes.js';
import { entityWorkflowId } from '../../contracts/workflow-ids.js';
import { entityDocumentKey, type CrmEvent, type EventRoute, type EventTarget } from './event-routes.js';

/** gRPC status codes (grpc/doc/statuscodes.md) that mean "not now" rather than "never": CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE. */
const UNAVAILABLE_CODES = new Set<number>([1, 4, 8, 14]);

/** True when the error (or one of its causes) says Temporal could not be reached or did not answer in time. */
export function isTemporalUnavailable(error: unknown): boolean {
  for (let current: unknown = error, hops = 0; current instanceof Error && hops < 5; current = current.cause, hops += 1) {
    if (isGrpcServiceError(current) && UNAVAILABLE_CODES.has(current.code)) return true;
  }
  return false;
}

/**
 * Feeds one CRM event into the entity workflow of its target: signalWithStart with USE_EXISTING (a running entity
 * takes the signal) and ALLOW_DUPLICATE (a finished entity starts again). Shared by the ingress and the offline drain,
 * so both paths land in the same workflow and coalesce.
 */
export async function signalEntityWorkflow(
  client: Client,
  taskQueue: string,
  match: { route: EventRoute; target: EventTarget },
  event: CrmEvent,
): Promise<{ workflowId: string }> {
  const { route, target } = match;
  const workflowId = entityWorkflowId(target.memberId, target.entityTypeId, target.entityId);
  await client.workflow.signalWithStart(route.workflowType, {
    taskQueue,
    workflowId,
    args: route.startArgs(target),
    signal: route.signal,
    signalArgs: route.signalArgs(event, target),
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [
      { key: SA_PORTAL, value: target.memberId },
      { key: SA_DOCUMENT, value: entityDocumentKey(target) },
      { key: SA_PROCESS, value: route.process },
      { key: SA_OUTCOME, value: OUTCOMES.running },
    ],
    staticSummary: `${crmItemLabel({ entityTypeId: target.entityTypeId, id: target.entityId })} · ${route.process}`,
  });
  return { workflowId };
}
