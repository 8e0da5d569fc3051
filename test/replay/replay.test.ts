import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import * as registeredWorkflows from '../../workflows/index.js';
import { workflowBundleOptions } from '../../worker/workflow-source.js';
import { REPLAY_HISTORIES_DIR, replayDataConverter } from '../support/replay-histories.js';

/**
 * The replay gate: histories recorded from earlier runs must replay against today's workflow code without
 * non-determinism errors. An incompatible change to workflows/ fails here and has to ship behind `patched()`. Refresh
 * the fixtures with `npm run test:capture-histories` when a change is meant to be new behaviour (any workflow test can
 * keep its runs: test/support/replay-histories.ts).
 */

interface StoredHistory {
  file: string;
  workflowId: string;
  workflowType: string | undefined;
  history: { events: Record<string, unknown>[] };
}

const stored: StoredHistory[] = readdirSync(REPLAY_HISTORIES_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => {
    const { workflowId, history } = JSON.parse(readFileSync(join(REPLAY_HISTORIES_DIR, file), 'utf8')) as Pick<StoredHistory, 'workflowId' | 'history'>;
    const started = history.events[0]?.workflowExecutionStartedEventAttributes as { workflowType?: { name?: string } } | undefined;
    return { file, workflowId, workflowType: started?.workflowType?.name, history };
  });

/** Every workflow type the worker registers: what workflows/index.ts exports. */
const workflowTypes = Object.keys(registeredWorkflows).sort();

function histories(filter: (history: StoredHistory) => boolean): number {
  return stored.filter(filter).length;
}

const has = (attribute: string) => (history: StoredHistory) => history.history.events.some((event) => event[attribute] !== undefined && event[attribute] !== null);

describe('replay of stored workflow histories', () => {
  it.each(workflowTypes)('has at least one history of %s', (type) => {
    expect(histories((history) => history.workflowType === type)).toBeGreaterThanOrEqual(1);
  });

  it('holds histories with what makes replays hard: signals, updates and continue-as-new', () => {
    const ofType = (type: string, attribute: string) => histories((history) => history.workflowType === type && has(attribute)(history));
    expect(ofType('entityWorkflow', 'workflowExecutionSignaledEventAttributes')).toBeGreaterThanOrEqual(1);
    expect(ofType('entityWorkflow', 'workflowExecutionContinuedAsNewEventAttributes')).toBeGreaterThanOrEqual(1);
    expect(ofType('offlineDrainWorkflow', 'workflowExecutionSignaledEventAttributes')).toBeGreaterThanOrEqual(1);
    expect(ofType('offlineDrainWorkflow', 'workflowExecutionContinuedAsNewEventAttributes')).toBeGreaterThanOrEqual(1);
    expect(ofType('claimSequenceWorkflow', 'workflowExecutionUpdateAcceptedEventAttributes')).toBeGreaterThanOrEqual(1);
    expect(ofType('claimSequenceWorkflow', 'workflowExecutionContinuedAsNewEventAttributes')).toBeGreaterThanOrEqual(1);
    // The portal's credentials change only through Updates: install, refresh, move and uninstall.
    const portalUpdates = new Set(
      stored
        .filter((history) => history.workflowType === 'portalWorkflow')
        .flatMap((history) => history.history.events)
        .map((event) => (event.workflowExecutionUpdateAcceptedEventAttributes as { acceptedRequest?: { input?: { name?: string } } } | undefined)?.acceptedRequest?.input?.name)
        .filter((name): name is string => typeof name === 'string'),
    );
    expect([...portalUpdates]).toEqual(expect.arrayContaining(['portal.install', 'portal.refresh', 'portal.move', 'portal.uninstall']));
  });

  it('replays every history against the current workflow code', async () => {
    const workflowBundle = await bundleWorkflowCode({ ...workflowBundleOptions(), logger: silentLogger });
    const failures: string[] = [];
    const replayed = stored.map(({ workflowId, history }) => ({ workflowId, history }));
    for await (const result of Worker.runReplayHistories({ workflowBundle, dataConverter: replayDataConverter() }, replayed)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed.length).toBe(stored.length);
  }, 180_000);
});

const silentLogger = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
