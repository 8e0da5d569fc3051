import * as workflows from '../workflows/index.js';

/**
 * The workflow types this worker runs: the exports of workflows/index.ts, which the worker bundles (or whose prebuilt
 * bundle it loads, built from the same sources). Provisioning warns about a waiting robot none of them answers.
 */
export const WORKFLOW_TYPES: readonly string[] = Object.keys(workflows);
