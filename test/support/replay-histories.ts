import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { createDataConverter } from '../../lib/data-converter.js';

const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPLAY_HISTORIES_DIR = join(REPOSITORY_ROOT, 'test', 'replay', 'histories');

/**
 * A fixed, test-only payload key for workflow tests whose runs are kept as replay fixtures: a replay must decode the
 * stored payloads, so the key that encrypted them has to be known. It protects nothing real.
 */
const REPLAY_TEST_KEY = Buffer.from('b24-temporal replay fixtures key').toString('base64');

/** The data converter of every workflow test that keeps its runs for the replay gate (test/replay/replay.test.ts). */
export function replayDataConverter() {
  return createDataConverter(REPLAY_TEST_KEY);
}

/** A chain longer than this is a loop, not a fixture. */
const MAX_RUNS = 20;

function fileName(name: string, run: number): string {
  const base = name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 100);
  return `${base}${run === 0 ? '' : `-run-${run + 1}`}.json`;
}

/**
 * With CAPTURE_HISTORIES=1, stores the histories of the workflow behind `handle` under test/replay/histories/, so the
 * replay gate checks every later change to workflows/ against them; a no-op otherwise. Any workflow test can call it,
 * for any workflow type, once the run did what the test wanted to keep (the workflow may still be open: its history so
 * far replays too). The latest run is kept with every run it continued from (`…-run-2.json` is the second run of the
 * chain), found through each run's `continuedExecutionRunId`, so it works on both test servers. The test's client
 * must use replayDataConverter().
 */
export async function keepForReplay(handle: WorkflowHandle, name: string | undefined): Promise<void> {
  if (process.env.CAPTURE_HISTORIES !== '1' || !name) return;
  const { client, workflowId } = handle;
  const chain: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>[] = [];
  let runId: string | undefined;
  do {
    const history = await client.getHandle(workflowId, runId).fetchHistory();
    chain.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  } while (runId && chain.length < MAX_RUNS);
  mkdirSync(REPLAY_HISTORIES_DIR, { recursive: true });
  chain.forEach((history, run) => {
    // Stack traces name this checkout's absolute path: the fixtures keep paths relative to the repository.
    const json = historyToJSON(history).split(`${REPOSITORY_ROOT}/`).join('');
    writeFileSync(join(REPLAY_HISTORIES_DIR, fileName(name, run)), `${JSON.stringify({ workflowId, history: JSON.parse(json) }, null, 1)}\n`);
  });
}
