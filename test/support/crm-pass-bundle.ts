import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

const require = createRequire(import.meta.url);
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundle of the test-only pass runner (crm-pass-workflows.ts), built once per test file. */
export function crmPassBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./crm-pass-workflows.ts', import.meta.url)),
    workflowInterceptorModules: [require.resolve('@temporalio/testing/lib/assert-to-failure-interceptor')],
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return bundle;
}
