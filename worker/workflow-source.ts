import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Production workers load the bundle prebuilt by `npm run build:bundle` (WORKFLOW_BUNDLE_PATH; no webpack at start-up);
 * development bundles the TypeScript sources on start.
 */
export function workflowSource(bundlePath: string | undefined): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (bundlePath && existsSync(bundlePath)) return { workflowBundle: { codePath: bundlePath } };
  return { workflowsPath: WORKFLOWS_PATH };
}

/** The same source for several workers of one process: a development bundle is built once and shared. */
export async function sharedWorkflowSource(bundlePath: string | undefined): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  const source = workflowSource(bundlePath);
  if (source.workflowBundle !== undefined) return { workflowBundle: source.workflowBundle };
  return { workflowBundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH }) };
}
