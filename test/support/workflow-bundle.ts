import { createRequire } from 'node:module';
import type { DataConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowBundleOptions } from '../../worker/workflow-source.js';

const require = createRequire(import.meta.url);
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * The workflow bundle, built once per test file with the options of the worker's own bundle. The testing interceptor
 * turns a failing assert inside workflow code into a workflow failure instead of an endlessly retried workflow task.
 */
export function testWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    ...workflowBundleOptions(),
    workflowInterceptorModules: [require.resolve('@temporalio/testing/lib/assert-to-failure-interceptor')],
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return bundle;
}

let queue = 0;
/** A task queue of its own for each test, so workers of different tests never steal each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  queue += 1;
  return `${prefix}-${process.pid}-${queue}`;
}

/**
 * A worker of the test bundle on the environment's server: what every workflow test builds before it starts a run.
 * `activities` are the test's own (testActivities with recording fakes or real simulators).
 */
export async function createTestWorker(
  env: TestWorkflowEnvironment,
  options: { taskQueue: string; dataConverter: DataConverter; activities?: object },
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: options.taskQueue,
    dataConverter: options.dataConverter,
    workflowBundle: await testWorkflowBundle(),
    ...(options.activities === undefined ? {} : { activities: options.activities }),
  });
}
