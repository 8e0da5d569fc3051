import { EVENT_ROUTES, findEventRoute, type CrmEvent, type EventRoute } from '../lib/crm-events/event-routes.js';
import { OFFLINE_DRAIN_WORKFLOW_TYPE } from '../contracts/offline-drain.js';
import type { RobotDeclaration } from '../contracts/robot-declarations.js';
import type { RobotCall } from '../contracts/robot-call.js';
import {
  WORKFLOW_START_KINDS,
  WORKFLOW_START_OUTCOMES,
  type ApiMetrics,
  type WorkflowStartOutcome,
} from '../lib/metrics/api-metrics.js';
import { identifierLabel } from '../lib/metrics/labels.js';
import { ROBOT_REFUSAL_WORKFLOW_TYPE, type RobotRefusal } from '../contracts/robot-refusal.js';
import { TemporalUnavailableError, type RobotStart, type WorkflowGateway } from './workflow-gateway.js';

function failureOutcome(error: unknown): WorkflowStartOutcome {
  return error instanceof TemporalUnavailableError ? WORKFLOW_START_OUTCOMES.unavailable : WORKFLOW_START_OUTCOMES.failed;
}

/** Counts every start and signalWithStart the ingress asks of Temporal, whatever gateway does the work. */
export function instrumentWorkflowGateway(
  gateway: WorkflowGateway,
  metrics: ApiMetrics,
  routes: readonly EventRoute[] = EVENT_ROUTES,
): WorkflowGateway {
  const count = (workflowType: string, kind: string, outcome: WorkflowStartOutcome) =>
    metrics.workflowStarts.inc({ workflow_type: identifierLabel(workflowType), kind, outcome });

  return {
    async startRobot(declaration: RobotDeclaration, call: RobotCall): Promise<RobotStart> {
      const kind = WORKFLOW_START_KINDS.start;
      try {
        const started = await gateway.startRobot(declaration, call);
        const outcome = started.duplicate ? WORKFLOW_START_OUTCOMES.duplicate : WORKFLOW_START_OUTCOMES.started;
        count(declaration.workflowType, kind, outcome);
        return started;
      } catch (error) {
        count(declaration.workflowType, kind, failureOutcome(error));
        throw error;
      }
    },

    async routeEvent(event: CrmEvent) {
      const kind = WORKFLOW_START_KINDS.signalWithStart;
      const workflowType = findEventRoute(routes, event)?.route.workflowType ?? 'none';
      try {
        const routed = await gateway.routeEvent(event);
        count(workflowType, kind, routed ? WORKFLOW_START_OUTCOMES.signalled : WORKFLOW_START_OUTCOMES.ignored);
        return routed;
      } catch (error) {
        count(workflowType, kind, failureOutcome(error));
        throw error;
      }
    },

    async refuseRobotCall(refusal: RobotRefusal): Promise<RobotStart> {
      const kind = WORKFLOW_START_KINDS.start;
      try {
        const started = await gateway.refuseRobotCall(refusal);
        count(ROBOT_REFUSAL_WORKFLOW_TYPE, kind, started.duplicate ? WORKFLOW_START_OUTCOMES.duplicate : WORKFLOW_START_OUTCOMES.started);
        return started;
      } catch (error) {
        count(ROBOT_REFUSAL_WORKFLOW_TYPE, kind, failureOutcome(error));
        throw error;
      }
    },

    onPortalInstalled: (memberId, event) => gateway.onPortalInstalled(memberId, event),
    onPortalUninstalled: (memberId) => gateway.onPortalUninstalled(memberId),

    async wakeOfflineDrain(memberId: string) {
      const kind = WORKFLOW_START_KINDS.signalWithStart;
      try {
        const woken = await gateway.wakeOfflineDrain(memberId);
        count(OFFLINE_DRAIN_WORKFLOW_TYPE, kind, WORKFLOW_START_OUTCOMES.signalled);
        return woken;
      } catch (error) {
        count(OFFLINE_DRAIN_WORKFLOW_TYPE, kind, failureOutcome(error));
        throw error;
      }
    },
  };
}
