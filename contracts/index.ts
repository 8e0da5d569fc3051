export * from './task-queue.js';
export * from './portal.js';
export * from './workflow-ids.js';
export * from './search-attributes.js';
export * from './robot-call.js';
export * from './documents.js';
export * from './robot-declarations.js';
export * from './erp-order.js';
