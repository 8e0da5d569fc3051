import type { RunRef, RunState, RunSummary, RunsService } from '../../../api/placements/runs-service.js';

export interface FakeRun extends RunSummary {
  memberId: string;
  documentKey: string;
}

/** Runs in memory, keyed like Temporal's visibility; records every retry and terminate it is asked for. */
export class FakeRunsService implements RunsService {
  readonly retries: { run: RunRef; reason: string }[] = [];
  readonly terminations: { run: RunRef; reason: string }[] = [];

  constructor(readonly runs: FakeRun[]) {}

  async list(memberId: string, documentKey: string): Promise<RunSummary[]> {
    return this.runs
      .filter((run) => run.memberId === memberId && run.documentKey === documentKey)
      .map(({ memberId: _memberId, documentKey: _documentKey, ...summary }) => summary);
  }

  async describe(workflowId: string): Promise<RunState | null> {
    const run = this.runs.find((candidate) => candidate.workflowId === workflowId);
    if (!run) return null;
    return { workflowId, runId: run.runId, status: run.status, outcome: run.outcome, memberId: run.memberId, documentKey: run.documentKey };
  }

  async retry(run: RunRef, reason: string): Promise<{ runId: string }> {
    this.retries.push({ run, reason });
    return { runId: `${run.runId}-again` };
  }

  async terminate(run: RunRef, reason: string): Promise<void> {
    this.terminations.push({ run, reason });
  }
}

export function fakeRun(overrides: Partial<FakeRun> & Pick<FakeRun, 'workflowId' | 'memberId' | 'documentKey'>): FakeRun {
  return {
    runId: `${overrides.workflowId}-run`,
    workflowType: 'get1cPriceWorkflow',
    process: 'get-1c-price',
    status: 'COMPLETED',
    outcome: 'completed',
    startedAt: '2026-05-04T09:30:00.000Z',
    closedAt: '2026-05-04T09:30:02.000Z',
    detail: 'done',
    webUiUrl: `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(overrides.workflowId)}/x`,
    ...overrides,
  };
}
