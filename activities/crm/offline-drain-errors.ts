import { OFFLINE_DRAIN_FAILURES, type OfflineDrainFailureName } from '../../contracts/offline-drain.js';
import { isBitrix24ErrorCode } from '../../integrations/bitrix24/caller.js';

/** Refusals of the offline methods that retrying cannot fix; the messages name the cause and the fix in one line. */
const CAUSES: { code: string; name: OfflineDrainFailureName; explain: string }[] = [
  {
    code: 'ACCESS_DENIED',
    name: 'NotAdministrator',
    explain: 'the stored token is not a portal administrator\'s; reinstall the app as an administrator',
  },
  {
    code: 'WRONG_AUTH_TYPE',
    name: 'NotApplicationAuth',
    explain: 'the call did not use the application\'s OAuth token (an inbound webhook cannot read the offline queue)',
  },
  {
    code: 'WRONG_LICENSE',
    name: 'LicenseRequired',
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
  const message = `offline drain of portal ${memberId}: ${method} refused (${cause.code}): ${cause.explain}. ${detail}`;
  return OFFLINE_DRAIN_FAILURES.create(cause.name, message, error instanceof Error ? { cause: error } : {});
}
