import { WorkflowNotFoundError, WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { LruMap } from 'toad-cache';
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
  type PortalSettings,
} from '../../contracts/portal.js';
import { SA_PORTAL, SA_PROCESS } from '../../contracts/search-attributes.js';
import { portalWorkflowId } from '../../contracts/workflow-ids.js';
import type { PortalStore } from './store.js';

const CACHE_TTL_MS = 30_000;
/**
 * A cached entry older than this is still answered, while one query reads it again in the background: a steady stream
 * of calls never waits for the portal workflow (a query is a workflow task, which waits behind a storm's tasks).
 */
const REFRESH_AHEAD_MS = CACHE_TTL_MS / 2;
/** Default of PORTAL_NEGATIVE_CACHE_MS. */
export const NEGATIVE_CACHE_TTL_MS = 5_000;
/** Unknown member ids remembered at once: a sender inventing ids pushes out the oldest, never grows the memory. */
const NEGATIVE_CACHE_SIZE = 10_000;

/** The call under way for `key` if there is one, else `start()`'s, shared by everyone asking until it settles. */
function shared<T>(inFlight: Map<string, Promise<T>>, key: string, start: () => Promise<T>): Promise<T> {
  let pending = inFlight.get(key);
  if (!pending) {
    pending = start().finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

/**
 * PortalStore over the per-portal workflow. Reads are cached in process for a short time (the workflow stays the
 * source of truth); concurrent reads of one portal share one query, and an entry past half its life is read again
 * ahead of its expiry while it still answers. Concurrent refreshes in one process share one Update, and the workflow's
 * mutex makes them single-flight across processes. A member id without credentials is remembered too, for `negativeTtlMs` (0: not at
 * all), so a flood of deliveries naming an unknown portal costs one Temporal query per id and interval, not one per
 * request; an install through this store forgets it at once (other processes within `negativeTtlMs`).
 */
export function createTemporalPortalStore(deps: { client: Client; taskQueue: string; now?: () => number; negativeTtlMs?: number }): PortalStore {
  const now = deps.now ?? Date.now;
  const negativeTtlMs = deps.negativeTtlMs ?? NEGATIVE_CACHE_TTL_MS;
  const unknown = negativeTtlMs > 0 ? new LruMap<true>(NEGATIVE_CACHE_SIZE, negativeTtlMs) : undefined;
  const cache = new Map<string, { credentials: PortalCredentials; at: number; write: number }>();
  let writes = 0;
  const keep = (credentials: PortalCredentials) => cache.set(credentials.memberId, { credentials, at: now(), write: (writes += 1) });
  const refreshing = new Map<string, Promise<PortalCredentials>>();
  const settingsCache = new Map<string, { settings: PortalSettings; at: number }>();

  const remember = (credentials: PortalCredentials): PortalCredentials => {
    const cached = cache.get(credentials.memberId);
    if (!cached || cached.credentials.version <= credentials.version) keep(credentials);
    return credentials;
  };

  const reading = new Map<string, Promise<PortalCredentials | null>>();
  /** The portal workflow's credentials, one query at a time per portal however many callers ask at once. */
  const readCredentials = (memberId: string) => shared(reading, memberId, () => queryCredentials(memberId));
  const queryCredentials = async (memberId: string): Promise<PortalCredentials | null> => {
    const writesBefore = writes;
    try {
      const credentials = await deps.client.workflow.getHandle(portalWorkflowId(memberId)).query(portalCredentialsQuery);
      if (credentials) return remember(credentials);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    // An install through this process while the query ran is newer than the query's answer.
    const installed = cache.get(memberId);
    if (installed && installed.write > writesBefore) return installed.credentials;
    // Uninstalled or never installed: forget what this process held, remember the absence for a moment.
    cache.delete(memberId);
    unknown?.set(memberId, true);
    return null;
  };
  /** A read ahead of expiry: its failure leaves the entry as it is, to expire on time. */
  const readAhead = (memberId: string): void => {
    if (!reading.has(memberId)) readCredentials(memberId).catch(() => undefined);
  };

  return {
    async find(memberId) {
      const cached = cache.get(memberId);
      const age = cached ? now() - cached.at : Number.POSITIVE_INFINITY;
      if (cached && age < CACHE_TTL_MS) {
        if (age >= REFRESH_AHEAD_MS) readAhead(memberId);
        return cached.credentials;
      }
      if (unknown?.get(memberId)) return null;
      return readCredentials(memberId);
    },

    async install(install: PortalInstall) {
      const startWorkflowOperation = new WithStartWorkflowOperation('portalWorkflow', {
        workflowId: portalWorkflowId(install.memberId),
        taskQueue: deps.taskQueue,
        args: [{ credentials: null }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `Portal ${install.domain} · credentials`,
        typedSearchAttributes: [
          { key: SA_PORTAL, value: install.memberId },
          { key: SA_PROCESS, value: 'portal-credentials' },
        ],
      });
      const stored = await deps.client.workflow.executeUpdateWithStart(portalInstallUpdate, {
        args: [install],
        startWorkflowOperation,
      });
      keep(stored);
      unknown?.delete(stored.memberId);
      return stored;
    },

    async uninstall(memberId) {
      // This process forgets at once; other processes' cached reads expire within CACHE_TTL_MS.
      cache.delete(memberId);
      try {
        const { forgotten } = await deps.client.workflow.getHandle(portalWorkflowId(memberId)).executeUpdate(portalUninstallUpdate);
        return forgotten;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      } finally {
        cache.delete(memberId);
      }
    },

    async refresh(memberId, staleVersion) {
      const cached = cache.get(memberId);
      if (cached && cached.credentials.version > staleVersion) return cached.credentials;
      return shared(refreshing, `${memberId}#${staleVersion}`, () =>
        deps.client.workflow
          .getHandle(portalWorkflowId(memberId))
          .executeUpdate(portalRefreshUpdate, { args: [{ staleVersion }] })
          .then(remember),
      );
    },

    async move(memberId, move) {
      const moved = await deps.client.workflow.getHandle(portalWorkflowId(memberId)).executeUpdate(portalMoveUpdate, { args: [move] });
      // Same version as before the move: replace the cached entry outright so this process stops using the old address.
      keep(moved);
      return moved;
    },

    async settings(memberId) {
      const cached = settingsCache.get(memberId);
      if (cached && now() - cached.at < CACHE_TTL_MS) return cached.settings;
      try {
        const settings = await deps.client.workflow.getHandle(portalWorkflowId(memberId)).query(portalSettingsQuery);
        settingsCache.set(memberId, { settings, at: now() });
        return settings;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return {};
        throw error;
      }
    },

    async saveSettings(memberId, changes) {
      const settings = await deps.client.workflow
        .getHandle(portalWorkflowId(memberId))
        .executeUpdate(portalSettingsUpdate, { args: [changes] });
      settingsCache.set(memberId, { settings, at: now() });
      return settings;
    },
  };
}
