export { portalWorkflow } from './portal.js';
export { get1cPriceWorkflow } from './get-1c-price.js';
export { erpOrderWorkflow } from './erp-order.js';
export { creditCheckWorkflow } from './credit-check.js';
export { jiraProjectWorkflow } from './jira-project.js';
export { claimSequenceWorkflow } from './processes/claim-sequence.js';
