import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import type { Activities } from '../activities/index.js';
import {
  portalCredentialsQuery,
  portalInstallUpdate,
  portalMoveUpdate,
  portalRefreshUpdate,
  portalSettingsQuery,
  portalSettingsUpdate,
  portalUninstallUpdate,
  type PortalCredentials,
  type PortalInstall,
  type PortalMove,
  type PortalSettings,
} from '../contracts/portal.js';
import { portalWorkflowId } from '../contracts/workflow-ids.js';
import { BITRIX24_FAILURES } from '../contracts/failures/bitrix24.js';

const { refreshPortalTokens } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // A refresh consumes the refresh token; retrying a rejected one only locks the portal out, so retry only transport failures.
  retry: { maximumAttempts: 3, initialInterval: '1 second', nonRetryableErrorTypes: [BITRIX24_FAILURES.type.invalid_grant, BITRIX24_FAILURES.type.invalid_client] },
});

export interface PortalWorkflowInput {
  credentials: PortalCredentials | null;
  settings?: PortalSettings;
  /** Version of the credentials forgotten at uninstall, so versions keep growing across a re-install. */
  lastVersion?: number;
}

/**
 * One long-lived workflow per portal (`portal/{memberId}`) that owns its OAuth credentials. Installs, refreshes and
 * uninstalls are Updates serialized by a mutex, so 20 concurrent `expired_token` callers cause one refresh, and the
 * rotated refresh token is stored before anyone reads it. All payloads are encrypted by the payload codec.
 */
export async function portalWorkflow(input: PortalWorkflowInput): Promise<void> {
  let credentials = input.credentials;
  let settings: PortalSettings = input.settings ?? {};
  let lastVersion = input.lastVersion ?? 0;
  const nextVersion = () => Math.max(credentials?.version ?? 0, lastVersion) + 1;
  const mutex = new Mutex();

  setHandler(portalCredentialsQuery, () => credentials);
  setHandler(portalSettingsQuery, () => settings);
  setHandler(portalSettingsUpdate, (changes: PortalSettings) => {
    settings = { ...settings, ...changes };
    return settings;
  });

  setHandler(
    portalInstallUpdate,
    async (install: PortalInstall) =>
      mutex.runExclusive(() => {
        const applicationToken = install.applicationToken ?? credentials?.applicationToken ?? null;
        credentials = { ...install, applicationToken, version: nextVersion() };
        return credentials;
      }),
    { validator: validateInstall },
  );

  // After ONAPPUNINSTALL nothing of the portal's access is kept; settings (type ids) stay for a re-install.
  setHandler(portalUninstallUpdate, async () =>
    mutex.runExclusive(() => {
      const forgotten = credentials !== null;
      lastVersion = Math.max(credentials?.version ?? 0, lastVersion);
      credentials = null;
      return { forgotten };
    }),
  );

  setHandler(portalRefreshUpdate, async ({ staleVersion }) =>
    mutex.runExclusive(async () => {
      const current = credentials;
      if (!current) throw ApplicationFailure.nonRetryable('portal has not installed the app', 'PortalNotInstalled');
      // Someone refreshed while this caller waited for the mutex: hand out the newer tokens instead of refreshing again.
      if (current.version > staleVersion) return current;
      const refreshed = await refreshPortalTokens({ serverEndpoint: current.serverEndpoint, refreshToken: current.refreshToken });
      credentials = { ...current, ...refreshed, version: current.version + 1 };
      return credentials;
    }),
  );

  setHandler(
    portalMoveUpdate,
    async (move: PortalMove) =>
      mutex.runExclusive(() => {
        if (!credentials) throw ApplicationFailure.nonRetryable('portal has not installed the app', 'PortalNotInstalled');
        // The version names a token pair; a new address keeps the pair, so refreshes in flight stay correct.
        credentials = { ...credentials, domain: move.domain, clientEndpoint: move.clientEndpoint };
        return credentials;
      }),
    { validator: validateMove },
  );

  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof portalWorkflow>({ credentials, settings, lastVersion });
}

function validateInstall(install: PortalInstall): void {
  const required = ['memberId', 'domain', 'clientEndpoint', 'accessToken', 'refreshToken'] as const;
  const missing: string[] = required.filter((field) => !install[field]);
  // Null means "not known yet" (browser install); an empty token would make every delivery fail verification.
  if (install.applicationToken === '') missing.push('applicationToken');
  if (missing.length > 0) throw new Error(`install is missing ${missing.join(', ')}`);
  if (workflowInfo().workflowId !== portalWorkflowId(install.memberId)) throw new Error('install is for another portal');
}

/** The REST base must be on the named host: `https://{domain}/...` (http only for a loopback emulator). */
function validateMove(move: PortalMove): void {
  const match = /^(https?):\/\/([^/?#@]+)\//i.exec(move.clientEndpoint ?? '');
  if (!move.domain || !match) throw new Error('move needs a domain and a clientEndpoint URL ending in a path');
  const [, scheme = '', host = ''] = match;
  if (host.toLowerCase() !== move.domain.toLowerCase()) throw new Error('the clientEndpoint is not on the new domain');
  const loopback = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i.test(host);
  if (scheme.toLowerCase() !== 'https' && !loopback) throw new Error('the clientEndpoint must use https');
}
