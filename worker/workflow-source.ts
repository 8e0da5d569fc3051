import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundleOptions, type WorkerOptions } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../lib/data-converter.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * How every bundle of workflows/ is built: the production one (`npm run build:bundle`), the development worker's, and
 * the tests'.
 *
 * - The failure converter is bundled into the sandbox: failures raised in workflow code are encrypted like any other
 *   payload (lib/failure-converter.cjs).
 * - workflows/ is preloaded: with the reusable V8 context (the SDK's default) its modules are evaluated once per
 *   worker thread and shared by every run, instead of once for each new run. This is safe because no module of
 *   workflows/ or contracts/ keeps per-run state at module scope: they declare functions, constants, activity proxies
 *   and signal, query and update definitions. The SDK deep-freezes shared modules, so a module that tried to change
 *   its exported state at run time would fail loudly rather than leak between runs; a module-level `let` or
 *   collection would not be frozen, so eslint.config.js forbids both in workflows/ and contracts/ (the one exception,
 *   a cache of Intl formatters per time zone in workflows/processes/business-days.ts, is the same for every run).
 */
export function workflowBundleOptions(): BundleOptions {
  return { workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, preloadModules: [WORKFLOWS_PATH] };
}

/**
 * Production workers load the bundle prebuilt by `npm run build:bundle` (WORKFLOW_BUNDLE_PATH; no webpack at start-up);
 * development bundles the TypeScript sources on start, once for all workers of the process.
 */
export async function sharedWorkflowSource(bundlePath: string | undefined): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  if (bundlePath && existsSync(bundlePath)) return { workflowBundle: { codePath: bundlePath } };
  return { workflowBundle: await bundleWorkflowCode(workflowBundleOptions()) };
}
