import { createEntityWorkflow } from './entity-loop.js';
import { PROCESS_REGISTRY } from './process-registry.js';

/** The production entity workflow: one per (portal, entityTypeId, id), running the processes' passes. */
export const entityWorkflow = createEntityWorkflow(PROCESS_REGISTRY);
