import { ENTITY_PROCESS } from '../../contracts/entity.js';
import { claimIntakePass, dealProductsPass, invoiceTotalPass } from '../processes/index.js';
import type { ProcessRegistry } from './entity-loop.js';

/** Which pass the production entity workflow runs for each process name. */
export const PROCESS_REGISTRY: ProcessRegistry = {
  [ENTITY_PROCESS.claimIntake]: claimIntakePass,
  [ENTITY_PROCESS.invoiceTotal]: invoiceTotalPass,
  [ENTITY_PROCESS.dealProducts]: dealProductsPass,
};
