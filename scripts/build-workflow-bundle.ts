import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createLogger } from '../lib/logger.js';
import { workflowBundleOptions } from '../worker/workflow-source.js';

/**
 * Bundles workflows/ once at build time (`npm run build:bundle`) so production workers start without webpack;
 * worker/workflow-source.ts loads the file named by WORKFLOW_BUNDLE_PATH.
 */
const logger = createLogger({ name: 'build-workflow-bundle' });
const outputPath = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');

const { code } = await bundleWorkflowCode(workflowBundleOptions());
await mkdir(dirname(outputPath), { recursive: true });
await writeFile(outputPath, code);
logger.info({ outputPath, bytes: Buffer.byteLength(code) }, 'workflow bundle written');
