import { proxyActivities } from '@temporalio/workflow';
import { CRM_PROCESS_ENTRIES } from '../../../contracts/crm-processes.js';
import type { EntityPass, EntityPassContext, EntityPassResult } from '../../../contracts/entity.js';
import { createEntityWorkflow, type ProcessRegistry } from '../../../workflows/entity/entity-loop.js';

export { offlineDrainWorkflow } from '../../../workflows/entity/offline-drain.js';
export { externalWriteWorkflow } from '../../../workflows/external-write.js';

/** Implemented by each test: records the pass, and may do real I/O (e.g. write to the emulator). */
export interface TestPassActivities {
  testPass(context: EntityPassContext): Promise<EntityPassResult>;
}

const { testPass } = proxyActivities<TestPassActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });

const pass: EntityPass = (context) => testPass(context);

/** The production loop with a test pass for every process (workflow type `entityWorkflow`, as the router starts it). */
export const entityWorkflow = createEntityWorkflow(Object.fromEntries(CRM_PROCESS_ENTRIES.map(({ process }) => [process, pass])) as ProcessRegistry);
