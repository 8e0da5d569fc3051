import { ApplicationFailure } from '@temporalio/common';
import { OFFLINE_DRAIN_FAILURE, type OfflineDrainFailure } from '../../contracts/offline-drain.js';
import { isBitrix24ErrorCode } from '../../integrations/bitrix24/caller.js';

/** Refusals of the offline methods that retrying cannot fix; the messages name the cause and the fix in one line. */
const CAUSES: { code: string; type: OfflineDrainFailure; explain: string }[] = [
  {
    code: 'ACCESS_DENIED',
    type: OFFLINE_DRAIN_FAILURE.notAdministrator,
    explain: 'the stored token is not a portal administrator\'s; reinstall the app as an administrator',
  },
  {
    code: 'WRONG_AUTH_TYPE',
    type: OFFLINE_DRAIN_FAILURE.notApplicationAuth,
    explain: 'the call did not use the application\'s OAuth token (an inbound webhook cannot read the offline queue)',
  },
  {
    code: 'WRONG_LICENSE',
    type: OFFLINE_DRAIN_FAILURE.licenseRequired,
    explain: 'the portal\'s plan lacks this feature',
  },
];

/**
 * A refusal that retrying cannot fix, as a non-retryable failure whose message names the cause; anything else is
 * returned unchanged (the Bitrix24 client already classified it).
 */
export function explainOfflineRefusal(error: unknown, memberId: string, method: string): unknown {
  const cause = CAUSES.find((candidate) => isBitrix24ErrorCode(error, candidate.code));
  if (!cause) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({
    type: cause.type,
    nonRetryable: true,
    message: `offline drain of portal ${memberId}: ${method} refused (${cause.code}): ${cause.explain}. ${detail}`,
    cause: error instanceof Error ? error : undefined,
  });
}
