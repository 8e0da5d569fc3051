import type { Client } from '@temporalio/client';
import type { PortalStore } from '../../lib/portals/store.js';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';
import type { AuthConnectorSource } from '../crm/auth-connector.js';
import { createClaimSequenceActivities } from './claim-sequence.js';
import { createClaimActivities } from './claims.js';
import { createInvoiceActivities } from './invoices.js';
import { createCrmSettingsActivities, type CrmProcessSettings } from './settings.js';
import { createShipmentActivities } from './shipments.js';

export interface CrmProcessDeps {
  bitrix24: Bitrix24Caller;
  /** Where provisioning recorded the portal's smart-process and list ids. */
  portals?: PortalStore | undefined;
  /** Talks to the claim sequence workflows (update-with-start). */
  temporal?: Client | undefined;
  crm?: CrmProcessSettings | undefined;
  /** Whether writes may carry our auth_connector (shared with the offline drain). */
  authConnector?: AuthConnectorSource;
}

/** Activities of the CRM event processes: claim intake, invoice totals, deal products to the shipment list. */
export function createCrmProcessActivities(deps: CrmProcessDeps) {
  return {
    ...createCrmSettingsActivities(deps),
    ...createClaimSequenceActivities(deps),
    ...createClaimActivities(deps),
    ...createInvoiceActivities(deps),
    ...createShipmentActivities(deps),
  };
}
