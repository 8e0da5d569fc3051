import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { CONFIG_FAILURES } from '../../contracts/failures/config.js';
import type { PortalStore } from '../../lib/portals/store.js';
import { buildDeclaration, formatProgress, provisionPortal, ProvisioningError } from '../../provisioning/index.js';
import type { Bitrix24Caller } from '../../integrations/bitrix24/caller.js';

export interface ProvisioningDeps {
  bitrix24: Bitrix24Caller;
  /** Where provisioning records what it wrote; a worker without one cannot provision. */
  portals: PortalStore | undefined;
  publicUrl: string;
  claimEntityTypeId?: number | undefined;
  invoiceTotalEntityTypeId?: number | undefined;
  /** config SHIPMENT_LIST_IBLOCK_ID: the list to use instead of the one provisioning creates. */
  shipmentListIblockId?: number | undefined;
  /** config ERP_ORDER_FIELD: the deal field provisioning creates for the ERP robot. */
  erpOrderField?: string | undefined;
  /** The workflow types the worker runs (worker/workflow-types.ts): a waiting robot without one is a warning. */
  knownWorkflowTypes?: readonly string[] | undefined;
}

export interface ProvisioningOutcome {
  added: number;
  updated: number;
  removed: number;
  warnings: string[];
}

/**
 * Re-applies everything the app declares (provisioning/) to a portal. Runs after every install and app update,
 * which deletes the app's robots in Bitrix24; `reassert` rewrites existing robots since Bitrix24 cannot show their content.
 */
export function createProvisioningActivities(deps: ProvisioningDeps) {
  return {
    async provisionPortal(input: { memberId: string }): Promise<ProvisioningOutcome> {
      const context = Context.current();
      if (!deps.portals) throw CONFIG_FAILURES.create('MissingPortalStore', 'this worker has no portal store to provision with');
      const portals = deps.portals;
      try {
        const result = await provisionPortal({
          bitrix24: deps.bitrix24,
          memberId: input.memberId,
          declaration: buildDeclaration({
            publicUrl: deps.publicUrl,
            claimEntityTypeId: deps.claimEntityTypeId,
            invoiceTotalEntityTypeId: deps.invoiceTotalEntityTypeId,
            shipmentListIblockId: deps.shipmentListIblockId,
            erpOrderField: deps.erpOrderField,
          }),
          settings: portals,
          reassert: true,
          ...(deps.knownWorkflowTypes === undefined ? {} : { warningContext: { knownWorkflowTypes: deps.knownWorkflowTypes } }),
          signal: context.cancellationSignal,
          onProgress: (progress) => {
            context.heartbeat();
            log.info(formatProgress(progress));
          },
        });
        const warnings = result.warnings.map((warning) => warning.message);
        for (const warning of warnings) log.warn(warning);
        return {
          added: result.summary?.added.length ?? 0,
          updated: result.summary?.updated.length ?? 0,
          removed: result.summary?.removed.length ?? 0,
          warnings,
        };
      } catch (error) {
        // The Bitrix24 failure inside carries the retry decision of the error catalogue.
        if (error instanceof ProvisioningError && error.cause instanceof ApplicationFailure) throw error.cause;
        throw error;
      }
    },
  };
}
