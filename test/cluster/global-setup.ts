import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The workflow bundle every worker of the run loads through WORKFLOW_BUNDLE_PATH, as production workers do. */
    workflowBundlePath: string;
  }
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Once per `npm run test:cluster`: builds the workflow bundle with the production build script (`npm run build:bundle`
 * does the same), so the two workers of each file start without webpack; at the end, prints how long the run took.
 */
export default function setup(project: TestProject): () => void {
  const startedAt = Date.now();
  const folder = mkdtempSync(join(tmpdir(), 'b24-cluster-bundle-'));
  const bundlePath = join(folder, 'workflow-bundle.js');
  const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-workflow-bundle.ts', bundlePath], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (built.status !== 0) {
    throw new Error(`scripts/build-workflow-bundle.ts failed (exit ${built.status ?? built.signal}):\n${built.stdout}${built.stderr}`);
  }
  process.stderr.write(`[cluster] workflow bundle built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
  project.provide('workflowBundlePath', bundlePath);
  return () => {
    rmSync(folder, { recursive: true, force: true });
    process.stderr.write(`[cluster] run took ${((Date.now() - startedAt) / 1000).toFixed(1)} s (bundle, clusters, tests)\n`);
  };
}
