import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { stopPortalBackgroundWork, type PortalTeardown } from '../../lib/portals/teardown.js';

/** After ONAPPUNINSTALL: deletes the portal's Schedules and cancels its drain (lib/portals/teardown.ts). */
export function createPortalTeardownActivities(deps: { temporal?: Client | undefined }) {
  return {
    async stopPortalWork(input: { memberId: string }): Promise<PortalTeardown> {
      if (!deps.temporal) {
        throw ApplicationFailure.nonRetryable('the worker has no Temporal client to stop the portal background work', 'Config.MissingTemporalClient');
      }
      return stopPortalBackgroundWork(deps.temporal, input.memberId);
    },
  };
}
