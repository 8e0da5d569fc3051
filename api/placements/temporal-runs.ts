import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import protos from '@temporalio/proto';
import { SA_DOCUMENT, SA_OUTCOME, SA_PORTAL, SA_PROCESS } from '../../contracts/search-attributes.js';
import { webUiRunUrl } from '../../contracts/web-ui-links.js';
import { placementErrors } from './errors.js';
import { isFailedRun, RUN_STATUS, type RunRef, type RunState, type RunSummary, type RunsService } from './runs-service.js';

export interface TemporalRunsServiceOptions {
  client: Client;
  namespace: string;
  /** TEMPORAL_WEB_UI_URL */
  webUiUrl: string;
  /** Runs listed per item; the tab is a card, not a search page. Default 20. */
  maxRuns?: number;
}

/** Visibility queries are strings: only plain ids go into one. */
const QUERY_SAFE = /^[A-Za-z0-9_.:-]{1,128}$/;

const EventType = protos.temporal.api.enums.v1.EventType;
const FINISHED_TASK = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
]);

/**
 * The runs tab over Temporal: visibility by `B24Portal` and `B24Document`, the failure of each failed run (decoded by
 * the client's data converter, so encrypted failures read too), reset and terminate through the client.
 */
export class TemporalRunsService implements RunsService {
  private readonly maxRuns: number;

  constructor(private readonly options: TemporalRunsServiceOptions) {
    this.maxRuns = options.maxRuns ?? 20;
  }

  async list(memberId: string, documentKey: string): Promise<RunSummary[]> {
    if (!QUERY_SAFE.test(memberId) || !QUERY_SAFE.test(documentKey)) throw new Error('unexpected characters in a run query');
    const query = `${SA_PORTAL.name} = '${memberId}' AND ${SA_DOCUMENT.name} = '${documentKey}'`;
    const found: WorkflowExecutionInfo[] = [];
    for await (const info of this.options.client.workflow.list({ query, pageSize: this.maxRuns })) {
      found.push(info);
      if (found.length >= this.maxRuns) break;
    }
    found.sort((left, right) => right.startTime.getTime() - left.startTime.getTime());
    return Promise.all(found.map((info) => this.summarize(info)));
  }

  async describe(workflowId: string): Promise<RunState | null> {
    try {
      const description = await this.options.client.workflow.getHandle(workflowId).describe();
      const attributes = description.typedSearchAttributes;
      return {
        workflowId,
        runId: description.runId,
        status: description.status.name,
        outcome: attributes.get(SA_OUTCOME) ?? null,
        memberId: attributes.get(SA_PORTAL) ?? null,
        documentKey: attributes.get(SA_DOCUMENT) ?? null,
      };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }

  /**
   * Resets the run to its first finished workflow task: the same workflow id and input run again from the start as a new
   * run, and the old run stays in history for comparison. Chosen over a fresh start because the input (encrypted) never
   * has to be read or re-sent, and the deterministic id and its search attributes carry over.
   */
  async retry(run: RunRef, reason: string): Promise<{ runId: string }> {
    const { client, namespace } = this.options;
    const history = await client.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution: { workflowId: run.workflowId, runId: run.runId },
      maximumPageSize: 50,
    });
    // A run that was itself reset starts with a *failed* task (the reset point), and one terminated right after a
    // reset has no completed task at all: any finished task is a point Temporal resets to.
    const firstTask = history.history?.events?.find((event) => event.eventType !== null && event.eventType !== undefined && FINISHED_TASK.has(event.eventType));
    if (!firstTask?.eventId) throw placementErrors.conflict('This run ended before it did any work, so there is nothing to retry from. Start it again from Bitrix24.');
    const reset = await client.workflowService.resetWorkflowExecution({
      namespace,
      workflowExecution: { workflowId: run.workflowId, runId: run.runId },
      reason,
      workflowTaskFinishEventId: firstTask.eventId,
      requestId: randomUUID(),
      identity: 'b24-temporal runs tab',
    });
    return { runId: reset.runId ?? '' };
  }

  async terminate(run: RunRef, reason: string): Promise<void> {
    await this.options.client.workflow.getHandle(run.workflowId, run.runId).terminate(reason);
  }

  private async summarize(info: WorkflowExecutionInfo): Promise<RunSummary> {
    const attributes = info.typedSearchAttributes;
    const ref = { workflowId: info.workflowId, runId: info.runId };
    const outcome = attributes.get(SA_OUTCOME) ?? null;
    return {
      ...ref,
      workflowType: info.type,
      process: attributes.get(SA_PROCESS) ?? info.type,
      status: info.status.name,
      outcome,
      startedAt: info.startTime.toISOString(),
      closedAt: info.closeTime?.toISOString() ?? null,
      detail: await this.detailOf(info, outcome),
      webUiUrl: webUiRunUrl(this.options.webUiUrl, this.options.namespace, ref),
    };
  }

  /** The failure message of a failed run; the log message a finished robot reported; else the outcome. */
  private async detailOf(info: WorkflowExecutionInfo, outcome: string | null): Promise<string> {
    const status = info.status.name;
    if (status === RUN_STATUS.running) return outcome ?? 'running';
    if (status === RUN_STATUS.continuedAsNew) return 'continued as a new run';
    const handle = this.options.client.workflow.getHandle(info.workflowId, info.runId, { followRuns: false });
    try {
      const result: unknown = await handle.result();
      const logMessage = (result as { logMessage?: unknown } | null)?.logMessage;
      if (typeof logMessage === 'string' && logMessage !== '') return logMessage;
      return outcome ?? 'completed';
    } catch (error) {
      if (error instanceof WorkflowFailedError) return error.cause?.message ?? error.message;
      return isFailedRun({ status, outcome }) ? 'failed (details unavailable)' : (outcome ?? status.toLowerCase());
    }
  }
}
