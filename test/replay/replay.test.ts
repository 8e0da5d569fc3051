import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { ROBOT_DECLARATIONS } from '../../contracts/robot-declarations.js';
import { FAILURE_CONVERTER_PATH } from '../../lib/data-converter.js';
import { WORKFLOWS_PATH } from '../../worker/workflow-source.js';
import { REPLAY_HISTORIES_DIR, replayDataConverter } from '../support/replay-histories.js';

/**
 * The replay gate (docs/architecture.md): histories recorded from earlier runs must replay against today's
 * workflow code without non-determinism errors. An incompatible change to workflows/ fails here and has to ship
 * behind `patched()`. Refresh the fixtures with `npm run test:capture-histories` when a change is meant to be new behaviour.
 */
const files = readdirSync(REPLAY_HISTORIES_DIR).filter((file) => file.endsWith('.json'));

describe('replay of stored workflow histories', () => {
  it('has fixtures for every robot workflow type', () => {
    const types = new Set(
      files.map((file) => {
        const { history } = JSON.parse(readFileSync(join(REPLAY_HISTORIES_DIR, file), 'utf8')) as {
          history: { events: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[] };
        };
        return history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
      }),
    );
    // Derived from the declarations: a new robot needs its captured runs (npm run test:capture-histories).
    expect([...types]).toEqual(expect.arrayContaining(ROBOT_DECLARATIONS.map((declaration) => declaration.workflowType)));
  });

  it('replays every history against the current workflow code', async () => {
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger: silentLogger });
    const histories = files.map((file) => {
      const { workflowId, history } = JSON.parse(readFileSync(join(REPLAY_HISTORIES_DIR, file), 'utf8')) as { workflowId: string; history: unknown };
      return { workflowId, history };
    });
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle, dataConverter: replayDataConverter() }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(histories.length).toBeGreaterThanOrEqual(10);
  }, 120_000);
});

const silentLogger = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
