/**
 * Deterministic workflow ids built from business keys (docs/architecture.md).
 * Ids are plaintext in every Temporal view: they carry portal member ids and Bitrix24 ids, never tokens.
 */

export function portalWorkflowId(memberId: string): string {
  return `portal/${memberId}`;
}

/**
 * A robot/activity call is identified by its event token's unique part (`{bpWorkflowId}|{activityName}|{eventId}`);
 * the signature after the last dot is a capability and stays out of the id.
 */
export function robotWorkflowId(memberId: string, robotCode: string, eventTokenKey: string): string {
  return `robot/${robotCode}/${memberId}/${eventTokenKey}`;
}

/** The part of an event token that identifies the call without its signature. */
export function eventTokenKey(eventToken: string): string {
  const dot = eventToken.lastIndexOf('.');
  const unsigned = dot > 0 ? eventToken.slice(0, dot) : eventToken;
  return unsigned.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export function entityWorkflowId(memberId: string, entityTypeId: number, entityId: number): string {
  return `entity/${memberId}/${entityTypeId}/${entityId}`;
}

export function provisionWorkflowId(memberId: string): string {
  return `provision/${memberId}`;
}

/** The answer to an authentic robot call the app cannot serve (contracts/robot-refusal.ts), one per event token. */
export function robotRefusalWorkflowId(memberId: string, eventTokenKey: string): string {
  return `robot-refusal/${memberId}/${eventTokenKey}`;
}

/** What ONAPPUNINSTALL leaves to do in the background: stop the portal's drain and Schedules. */
export function portalTeardownWorkflowId(memberId: string): string {
  return `portal-teardown/${memberId}`;
}

/** The holder of a portal's request budget, shared by every worker (docs/rate-limits.md). */
export function portalBudgetWorkflowId(memberId: string): string {
  return `portal-budget/${memberId}`;
}

/** Budget holders run on their own task queue, so their grants never wait behind a storm of robot tasks. */
export function budgetTaskQueue(taskQueue: string): string {
  return `${taskQueue}-budget`;
}
