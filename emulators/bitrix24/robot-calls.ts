import { newActivityName, newBizprocWorkflowId, type EventTokenSigner } from './event-tokens.js';
import type { EmulatorClock } from './clock.js';
import type { Outbound } from './outbound.js';
import type { RobotRuntime } from './robot-runtime.js';
import { ROBOT_STATUS, type FireRobotInput, type HttpOutcome, type RobotInvocation } from './types.js';

const DEFAULT_DOCUMENT_ID: [string, string, string] = ['crm', 'CCrmDocumentDeal', 'DEAL_1'];
const DEFAULT_DOCUMENT_TYPE: [string, string, string] = ['crm', 'CCrmDocumentDeal', 'DEAL'];

/** PHP externalizes null as an empty string. */
function externalize(properties: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, value ?? '']));
}

/** Plays the business process reaching a robot: issues the event token and POSTs the call to the handler. */
export async function fireRobotCall(
  deps: { robots: RobotRuntime; signer: EventTokenSigner; outbound: Outbound; clock: EmulatorClock },
  handlerUrl: string,
  input: FireRobotInput,
): Promise<HttpOutcome & { eventToken: string }> {
  let invocation: RobotInvocation;
  if (input.eventToken) {
    const existing = deps.robots.get(input.eventToken);
    if (!existing) throw new Error('fireRobot: no invocation was issued with this event token');
    existing.deliveries += 1;
    invocation = existing;
  } else {
    const bizprocWorkflowId = newBizprocWorkflowId();
    const activityName = newActivityName();
    invocation = {
      eventToken: deps.signer.issue(bizprocWorkflowId, activityName),
      code: input.code,
      handlerUrl,
      bizprocWorkflowId,
      activityName,
      documentId: input.documentId ?? DEFAULT_DOCUMENT_ID,
      documentType: input.documentType ?? DEFAULT_DOCUMENT_TYPE,
      properties: input.properties ?? {},
      useSubscription: input.useSubscription ?? true,
      timeoutDuration: input.timeoutDuration ?? 0,
      firedAt: deps.clock.nowMs(),
      deliveries: 1,
      status: ROBOT_STATUS.waiting,
      logMessages: [],
      lateSends: [],
    };
    // Registered before the POST: a fast handler may answer with bizproc.event.send before its HTTP reply.
    deps.robots.register(invocation);
  }
  const body = {
    workflow_id: invocation.bizprocWorkflowId,
    code: invocation.code,
    document_id: invocation.documentId,
    document_type: invocation.documentType,
    event_token: invocation.eventToken,
    properties: externalize(invocation.properties),
    use_subscription: invocation.useSubscription ? 'Y' : 'N',
    timeout_duration: String(invocation.timeoutDuration),
    ts: String(Math.floor(invocation.firedAt / 1000)),
    auth: deps.outbound.authBlock(input.userId ?? 1, {
      withRefreshToken: true,
      ...(input.applicationToken === undefined ? {} : { applicationToken: input.applicationToken }),
    }),
  };
  const outcome = await deps.outbound.postForm(handlerUrl, body, { kind: 'robot', event: invocation.code });
  return { ...outcome, eventToken: invocation.eventToken };
}
