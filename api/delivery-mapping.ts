import type { RobotCall } from '../contracts/robot-call.js';
import type { CrmEvent } from '../lib/crm-events/event-routes.js';
import type { EventBody } from './schemas/event.js';
import type { RobotCallBody } from './schemas/robot-call.js';

function numericUserId(userId: string | number | undefined): number | undefined {
  const text = typeof userId === 'number' ? String(userId) : userId;
  return text !== undefined && /^[1-9]\d{0,15}$/.test(text) ? Number(text) : undefined;
}

/**
 * The workflow input for a robot call. Built field by field (never by spreading the body) so that nothing from the
 * `auth` block can reach a workflow history: tokens stay with the portal store.
 */
export function toRobotCall(body: RobotCallBody, properties: Record<string, unknown>): RobotCall {
  const userId = numericUserId(body.auth.user_id);
  return {
    memberId: body.auth.member_id,
    domain: body.auth.domain,
    robotCode: body.code,
    bizprocWorkflowId: body.workflow_id,
    documentId: body.document_id,
    documentType: body.document_type,
    eventToken: body.event_token,
    properties,
    useSubscription: body.use_subscription === 'Y',
    timeoutDuration: body.timeout_duration,
    ts: body.ts,
    ...(userId === undefined ? {} : { userId }),
  };
}

/** The event without its `auth` block, for the same reason. */
export function toCrmEvent(body: EventBody): CrmEvent {
  return {
    memberId: body.auth.member_id,
    domain: body.auth.domain,
    event: body.event,
    ...(body.event_handler_id === undefined ? {} : { eventHandlerId: body.event_handler_id }),
    data: body.data,
    ts: body.ts,
  };
}
