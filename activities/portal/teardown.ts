import type { Client } from '@temporalio/client';
import { CONFIG_FAILURES } from '../../contracts/failures/config.js';
import { stopPortalBackgroundWork, type PortalTeardown } from '../../lib/portals/teardown.js';

/** After ONAPPUNINSTALL: deletes the portal's Schedules and cancels its drain (lib/portals/teardown.ts). */
export function createPortalTeardownActivities(deps: { temporal?: Client | undefined }) {
  return {
    async stopPortalWork(input: { memberId: string }): Promise<PortalTeardown> {
      if (!deps.temporal) {
        throw CONFIG_FAILURES.create('MissingTemporalClient', 'the worker has no Temporal client to stop the portal background work');
      }
      return stopPortalBackgroundWork(deps.temporal, input.memberId);
    },
  };
}
