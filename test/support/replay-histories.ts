import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { createDataConverter } from '../../lib/data-converter.js';

export const REPLAY_HISTORIES_DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'replay', 'histories');

/**
 * A fixed, test-only payload key for workflow tests whose runs are kept as replay fixtures: a replay must decode the
 * stored payloads, so the key that encrypted them has to be known. It protects nothing real.
 */
const REPLAY_TEST_KEY = Buffer.from('b24-temporal replay fixtures key').toString('base64');

export function replayDataConverter() {
  return createDataConverter(REPLAY_TEST_KEY);
}

/**
 * With CAPTURE_HISTORIES=1, stores the run's history under test/replay/histories/ so the replay test
 * (test/replay/replay.test.ts) checks every later change to workflows/ against it. A no-op otherwise.
 */
export async function keepForReplay(handle: WorkflowHandle, name: string | undefined): Promise<void> {
  if (process.env.CAPTURE_HISTORIES !== '1' || !name) return;
  const history = await handle.fetchHistory();
  const file = `${name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 100)}.json`;
  mkdirSync(REPLAY_HISTORIES_DIR, { recursive: true });
  writeFileSync(join(REPLAY_HISTORIES_DIR, file), `${JSON.stringify({ workflowId: handle.workflowId, history: JSON.parse(historyToJSON(history)) }, null, 1)}\n`);
}
