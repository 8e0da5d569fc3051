import type { RobotCall } from '../../contracts/robot-call.js';

let sequence = 0;

/** A robot call as the ingress would hand it to a workflow (no auth block). */
export function robotCall<P extends Record<string, unknown>>(code: string, properties: P, overrides: Partial<RobotCall<P>> = {}): RobotCall<P> {
  sequence += 1;
  return {
    memberId: 'member-test',
    domain: 'test.bitrix24.com',
    robotCode: code,
    bizprocWorkflowId: `bp-${sequence}`,
    documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_1'],
    documentType: ['crm', 'CCrmDocumentDeal', 'DEAL'],
    eventToken: `bp-${sequence}|A1_${sequence}|${'x'.repeat(32)}.signature${sequence}`,
    properties,
    useSubscription: true,
    timeoutDuration: 0,
    ts: Math.floor(Date.now() / 1000),
    ...overrides,
  };
}
