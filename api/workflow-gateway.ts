import type { Client, WorkflowStartOptions } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Logger } from 'pino';
import { documentKey, documentLabel } from '../contracts/documents.js';
import type { RobotCall } from '../contracts/robot-call.js';
import type { RobotDeclaration } from '../contracts/robot-declarations.js';
import { OUTCOMES, SA_DOCUMENT, SA_OUTCOME, SA_PORTAL, SA_PROCESS, SA_ROBOT_CODE } from '../contracts/search-attributes.js';
import { eventTokenKey, portalTeardownWorkflowId, provisionWorkflowId, robotWorkflowId } from '../contracts/workflow-ids.js';
import { isTemporalUnavailable, signalEntityWorkflow } from '../lib/crm-events/entity-signal.js';
import { EVENT_ROUTES, findEventRoute, type CrmEvent, type EventRoute, type EventRouteSource } from '../lib/crm-events/event-routes.js';
import { ROBOT_REFUSAL_WORKFLOW_TYPE, type RobotRefusal } from '../contracts/robot-refusal.js';
import { robotRefusalStartOptions } from './robot-refusal.js';
import { OFFLINE_DRAIN_WAKE_REASON } from '../contracts/offline-drain.js';
import { deleteLegacyDrainSchedule, wakeOfflineDrain } from './offline-drain.js';

/** What the ingress needs from Temporal; the routes depend on this interface, tests on a recording fake. */
export interface WorkflowGateway {
  /** Starts (or finds) the robot's workflow; resolves only once Temporal has durably recorded it. */
  startRobot(declaration: RobotDeclaration, call: RobotCall): Promise<RobotStart>;
  /** signalWithStart into the entity workflow of the event's route; null when no route takes the event. */
  routeEvent(event: CrmEvent): Promise<{ workflowId: string } | null>;
  /** Hook after an install or app update was stored (provisioning comes later). */
  onPortalInstalled(memberId: string, event: string): Promise<void>;
  /** Hook after ONAPPUNINSTALL forgot the credentials: starts the teardown of the portal's drain and Schedules. */
  onPortalUninstalled(memberId: string): Promise<{ workflowId: string }>;
  /** Answers an authentic call the app cannot serve through Bitrix24; resolves once Temporal recorded the answer. */
  refuseRobotCall(refusal: RobotRefusal): Promise<RobotStart>;
  /** ONOFFLINEEVENT: wakes (or starts) the portal's offline drain; resolves once Temporal recorded the signal. */
  wakeOfflineDrain(memberId: string): Promise<{ workflowId: string }>;
}

export interface RobotStart {
  workflowId: string;
  /** True when a run with this id had already finished: the call was a re-delivery and started nothing. */
  duplicate: boolean;
}

/** Temporal could not be reached or did not answer within the ingress deadline; nothing is acknowledged. */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
}

export const TEMPORAL_DEADLINE_MS = 2000;

export interface TemporalWorkflowGatewayOptions {
  client: Client;
  taskQueue: string;
  logger: Logger;
  /** A fixed table, or the per-portal table (`createEventRouteSource`); default EVENT_ROUTES. */
  routes?: readonly EventRoute[] | EventRouteSource;
  deadlineMs?: number;
  /** When true, every install or app update starts (or wakes) the portal's offline drain. */
  offlineDrain?: boolean;
}

/**
 * How a robot call becomes a run: its deterministic id, the conflict policies that make re-deliveries harmless, the
 * search attributes operators query and a readable summary. Shared with the ingress benchmark's raw-start baseline.
 */
export function robotStartOptions(declaration: RobotDeclaration, call: RobotCall, taskQueue: string) {
  return {
    taskQueue,
    workflowId: robotWorkflowId(call.memberId, declaration.code, eventTokenKey(call.eventToken)),
    args: [call],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: SA_PORTAL, value: call.memberId },
      { key: SA_DOCUMENT, value: documentKey(call.documentId) },
      { key: SA_PROCESS, value: declaration.process },
      { key: SA_ROBOT_CODE, value: declaration.code },
      { key: SA_OUTCOME, value: OUTCOMES.running },
    ],
    staticSummary: `${documentLabel(call.documentId)} · ${declaration.name.en}`,
  } satisfies WorkflowStartOptions;
}

export class TemporalWorkflowGateway implements WorkflowGateway {
  private readonly routes: EventRouteSource;
  private readonly deadlineMs: number;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: TemporalWorkflowGatewayOptions) {
    const routes = options.routes ?? EVENT_ROUTES;
    this.routes = typeof routes === 'function' ? routes : async () => routes;
    this.deadlineMs = options.deadlineMs ?? TEMPORAL_DEADLINE_MS;
  }

  async startRobot(declaration: RobotDeclaration, call: RobotCall): Promise<RobotStart> {
    const workflowId = robotWorkflowId(call.memberId, declaration.code, eventTokenKey(call.eventToken));
    try {
      // USE_EXISTING answers a re-delivery during the run with the running workflow; REJECT_DUPLICATE refuses a
      // second run once it finished. The SDK does not expose whether USE_EXISTING found a run, so only the second
      // case is reported as a duplicate.
      await this.withinDeadline(() =>
        this.options.client.workflow.start(declaration.workflowType, robotStartOptions(declaration, call, this.options.taskQueue)),
      );
      return { workflowId, duplicate: false };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, duplicate: true };
      throw error;
    }
  }

  async routeEvent(event: CrmEvent): Promise<{ workflowId: string } | null> {
    // Reading the portal's settings goes through Temporal too, so it shares the deadline.
    const match = await this.withinDeadline(async () => findEventRoute(await this.routes(event.memberId), event));
    if (!match) return null;
    return this.withinDeadline(() => signalEntityWorkflow(this.options.client, this.options.taskQueue, match, event));
  }

  async onPortalInstalled(memberId: string, event: string): Promise<void> {
    // Every install and app update re-provisions (an update deletes the app's robots in Bitrix24).
    const provisioning = await this.withinDeadline(() =>
      this.options.client.workflow.start('provisionPortalWorkflow', {
        taskQueue: this.options.taskQueue,
        workflowId: provisionWorkflowId(memberId),
        args: [{ memberId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        typedSearchAttributes: [
          { key: SA_PORTAL, value: memberId },
          { key: SA_PROCESS, value: 'provisioning' },
          { key: SA_OUTCOME, value: OUTCOMES.running },
        ],
        staticSummary: `Portal ${memberId} · provisioning after ${event}`,
      }),
    );
    this.options.logger.info({ memberId, event, workflowId: provisioning.workflowId }, 'portal installed; provisioning started');
    if (this.options.offlineDrain !== true) return;
    const drain = await this.withinDeadline(() =>
      wakeOfflineDrain(this.options.client, { memberId, taskQueue: this.options.taskQueue, reason: OFFLINE_DRAIN_WAKE_REASON.install }),
    );
    const legacyScheduleDeleted = await this.withinDeadline(() => deleteLegacyDrainSchedule(this.options.client, memberId));
    this.options.logger.info({ memberId, event, workflowId: drain.workflowId, legacyScheduleDeleted }, 'offline drain started');
  }

  async wakeOfflineDrain(memberId: string): Promise<{ workflowId: string }> {
    return this.withinDeadline(() =>
      wakeOfflineDrain(this.options.client, { memberId, taskQueue: this.options.taskQueue, reason: OFFLINE_DRAIN_WAKE_REASON.offlineEvent }),
    );
  }

  async onPortalUninstalled(memberId: string): Promise<{ workflowId: string }> {
    const teardown = await this.withinDeadline(() =>
      this.options.client.workflow.start('portalTeardownWorkflow', {
        taskQueue: this.options.taskQueue,
        workflowId: portalTeardownWorkflowId(memberId),
        args: [{ memberId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        typedSearchAttributes: [
          { key: SA_PORTAL, value: memberId },
          { key: SA_PROCESS, value: 'portal-teardown' },
          { key: SA_OUTCOME, value: OUTCOMES.running },
        ],
        staticSummary: `Portal ${memberId} · stop background work after ONAPPUNINSTALL`,
      }),
    );
    this.options.logger.info({ memberId, workflowId: teardown.workflowId }, 'portal uninstalled; teardown started');
    return { workflowId: teardown.workflowId };
  }

  async refuseRobotCall(refusal: RobotRefusal): Promise<RobotStart> {
    const options = robotRefusalStartOptions(refusal, this.options.taskQueue);
    try {
      await this.withinDeadline(() => this.options.client.workflow.start(ROBOT_REFUSAL_WORKFLOW_TYPE, options));
      return { workflowId: options.workflowId, duplicate: false };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId: options.workflowId, duplicate: true };
      throw error;
    }
  }

  /**
   * Waits for calls that outlived their deadline to settle: the SDK retries on a timer that throws if it fires after
   * the connection closed, so close the connection only after this.
   */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  /**
   * Bounds a Temporal call to the ingress deadline. The SDK's gRPC retry backoff can outlive a gRPC deadline by a
   * second, so our own timer decides the answer; the gRPC deadline ends the call on the wire at the same instant, and
   * a retry the backoff starts after it fails at once (an abort signal as well would only cost an AbortController and
   * another async context per delivery).
   */
  private async withinDeadline<T>(call: () => Promise<T>): Promise<T> {
    const { connection } = this.options.client;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new TemporalUnavailableError(`Temporal did not answer within ${this.deadlineMs} ms`)), this.deadlineMs);
    });
    const attempt = connection.withDeadline(Date.now() + this.deadlineMs, call);
    const settled: Promise<unknown> = attempt.then(
      () => this.inFlight.delete(settled),
      () => this.inFlight.delete(settled),
    );
    this.inFlight.add(settled);
    try {
      return await Promise.race([attempt, expired]);
    } catch (error) {
      if (isTemporalUnavailable(error)) {
        throw new TemporalUnavailableError(`Temporal is unavailable: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
