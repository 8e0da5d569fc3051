import { randomBytes } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { portalRefreshUpdate } from '../../contracts/portal.js';
import { createDataConverter } from '../../lib/data-converter.js';
import { sharedWorkflowSource } from '../../worker/workflow-source.js';
import type { portalWorkflow } from '../../workflows/portal.js';
import { historyText } from '../support/history-text.js';
import { createLocalEnv } from '../support/temporal-binaries.js';
import { uniqueTaskQueue } from '../support/workflow-bundle.js';

const dataConverter = createDataConverter(randomBytes(32).toString('base64'));

// The bundle `npm start` and the end-to-end stacks run (worker/main.ts without WORKFLOW_BUNDLE_PATH), not the tests' own.
describe("the development worker's workflow bundle (dev server, real worker)", () => {
  it('encrypts a failure raised in workflow code, and runs after run from its preloaded modules', async () => {
    const env = await createLocalEnv({ dataConverter });
    try {
      await refusedRefreshesStayEncrypted(env);
    } finally {
      await env.teardown();
    }
  }, 120_000);
});

async function refusedRefreshesStayEncrypted(env: TestWorkflowEnvironment): Promise<void> {
  const taskQueue = uniqueTaskQueue('bundle');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    dataConverter,
    ...(await sharedWorkflowSource(undefined)),
  });
  await worker.runUntil(async () => {
    // Two runs in one worker thread: the second one uses the modules the first left shared, and behaves the same.
    for (const memberId of ['bundle-portal-1', 'bundle-portal-2']) {
      const handle = await env.client.workflow.start<typeof portalWorkflow>('portalWorkflow', {
        taskQueue,
        workflowId: `portal-${memberId}`,
        args: [{ credentials: null }],
      });
      // A portal that never installed the app refuses a token refresh with a failure raised in workflow code.
      const refused = await handle.executeUpdate(portalRefreshUpdate, { args: [{ staleVersion: 0 }] }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((refused as WorkflowUpdateFailedError).cause?.message).toBe('portal has not installed the app');

      const { history } = await env.client.workflowService.getWorkflowExecutionHistory({
        namespace: env.namespace ?? 'default',
        execution: { workflowId: handle.workflowId },
      });
      const stored = historyText(history);
      expect(stored).toContain('Encoded failure');
      expect(stored).not.toContain('portal has not installed the app');
      await handle.terminate('test over');
    }
  });
}
