import type { EntityPass } from '../../contracts/entity.js';
import type { EntityProcessName } from '../../contracts/crm-processes.js';
import { claimIntakePass } from '../processes/claim-intake.js';
import { dealProductsPass } from '../processes/deal-products.js';
import { invoiceTotalPass } from '../processes/invoice-total.js';

/**
 * Which pass the entity workflow runs for each CRM process. Keyed by the process table (contracts/crm-processes.ts):
 * a process without its pass, or a pass for no process, does not compile.
 */
export const PROCESS_REGISTRY: { readonly [P in EntityProcessName]: EntityPass } = {
  'claim-intake': claimIntakePass,
  'invoice-total': invoiceTotalPass,
  'deal-products': dealProductsPass,
};
