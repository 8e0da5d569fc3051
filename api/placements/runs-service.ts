import { OUTCOMES } from '../../contracts/search-attributes.js';

export { webUiRunUrl } from '../../contracts/web-ui-links.js';

/** Temporal's execution status names, as `WorkflowExecutionInfo.status.name` gives them. */
export const RUN_STATUS = {
  running: 'RUNNING',
  completed: 'COMPLETED',
  failed: 'FAILED',
  canceled: 'CANCELLED',
  terminated: 'TERMINATED',
  continuedAsNew: 'CONTINUED_AS_NEW',
  timedOut: 'TIMED_OUT',
} as const;

export interface RunRef {
  workflowId: string;
  runId: string;
}

/** One run as the tab lists it. */
export interface RunSummary extends RunRef {
  workflowType: string;
  /** `B24Process`, or the workflow type when the run has none. */
  process: string;
  status: string;
  /** `B24Outcome` (running, waiting-external, completed, failed, escalated), when set. */
  outcome: string | null;
  /** ISO 8601. */
  startedAt: string;
  closedAt: string | null;
  /** The last step or the error: the failure message of a failed run, else what the run reported. */
  detail: string;
  /** The run in the Temporal Web UI. */
  webUiUrl: string;
}

/** The current run of a workflow id and whom it belongs to (its search attributes). */
export interface RunState extends RunRef {
  status: string;
  outcome: string | null;
  memberId: string | null;
  documentKey: string | null;
}

/** What the runs tab needs from Temporal; production uses TemporalRunsService, tests an in-memory fake. */
export interface RunsService {
  /** The item's runs, newest first (at most a page of them). */
  list(memberId: string, documentKey: string): Promise<RunSummary[]>;
  /** The current run of `workflowId`, or null when there is none. */
  describe(workflowId: string): Promise<RunState | null>;
  /** Runs a failed run again; resolves with the new run's id. */
  retry(run: RunRef, reason: string): Promise<{ runId: string }>;
  terminate(run: RunRef, reason: string): Promise<void>;
}

const FAILED_STATUSES = new Set<string>([RUN_STATUS.failed, RUN_STATUS.timedOut, RUN_STATUS.terminated, RUN_STATUS.canceled]);

/** A run that ended without doing its job: Temporal says so, or the run completed and reported `failed` to Bitrix24. */
export function isFailedRun(run: Pick<RunState, 'status' | 'outcome'>): boolean {
  return FAILED_STATUSES.has(run.status) || (run.status === RUN_STATUS.completed && run.outcome === OUTCOMES.failed);
}

export function isRunningRun(run: Pick<RunState, 'status'>): boolean {
  return run.status === RUN_STATUS.running;
}
