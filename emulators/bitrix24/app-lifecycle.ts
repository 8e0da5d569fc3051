import { randomBytes } from 'node:crypto';
import qs from 'qs';
import type { EmulatorClock } from './clock.js';
import type { OAuthTokens } from './oauth-tokens.js';
import type { Outbound, PortalAddress } from './outbound.js';
import type { EmulatorState, EventBinding } from './state.js';
import type { HttpOutcome } from './http-outcome.js';

/** What the portal's page POSTs into the app's frame when an app with a UI is installed (b24restdocs settings/oauth/simple-way.md). */
export interface InstallFormCall {
  /** The install URL with `DOMAIN, PROTOCOL, LANG, APP_SID` in its query string. */
  url: string;
  body: Record<string, string>;
  appSid: string;
}

export interface InstallFormInput {
  /** The administrator installing the app; `AUTH_ID` is a fresh access token of this user (default 1). */
  userId?: number;
  lang?: string;
}

export interface AppLifecycleDeps {
  state: EmulatorState;
  outbound: Outbound;
  tokens: OAuthTokens;
  portal: PortalAddress;
  clock: EmulatorClock;
}

/** One delivery of a lifecycle event to a bound handler. */
export interface LifecycleDelivery extends HttpOutcome {
  handler: string;
}

/**
 * The app's life in the portal: the two install paths, updates and uninstalls, each as Bitrix24 runs it
 * (b24restdocs settings/app-installation/installation-finish.md, b24restdocs api-reference/common/events/on-app-*.md).
 */
export class AppLifecycle {
  constructor(private readonly deps: AppLifecycleDeps) {}

  /**
   * "Application uses API only": the app is installed at once and Bitrix24 POSTs ONAPPINSTALL with the installing
   * user's tokens to the install path (b24restdocs settings/app-installation/local-apps/installation-callback.md).
   */
  async installByCallback(installUrl: string): Promise<HttpOutcome> {
    const { state, outbound, clock } = this.deps;
    state.appInstalled = true;
    const body = {
      event: 'ONAPPINSTALL',
      data: this.installData(),
      ts: String(clock.unixSeconds()),
      auth: outbound.authBlock(1, { withRefreshToken: true, shape: 'event' }),
    };
    const outcome = await outbound.postForm(installUrl, body, { kind: 'install', event: 'ONAPPINSTALL' });
    state.installs.push({ event: 'ONAPPINSTALL', at: clock.nowMs(), status: outcome.status });
    return outcome;
  }

  /** An app with a UI: the form the portal posts into the install frame; the install waits for BX24.installFinish(). */
  installForm(installUrl: string, input: InstallFormInput = {}): InstallFormCall {
    const { tokens, portal, state } = this.deps;
    const userId = input.userId ?? 1;
    const pair = tokens.issue(userId);
    const appSid = randomBytes(16).toString('hex');
    const url = new URL(installUrl);
    const query = {
      DOMAIN: portal.domain,
      PROTOCOL: portal.url.startsWith('https:') ? '1' : '0',
      LANG: input.lang ?? 'en',
      APP_SID: appSid,
    };
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    state.pendingInstalls.set(appSid, { userId, installUrl });
    return {
      url: url.toString(),
      appSid,
      body: {
        AUTH_ID: pair.accessToken,
        AUTH_EXPIRES: String(pair.expiresIn),
        REFRESH_ID: pair.refreshToken,
        SERVER_ENDPOINT: portal.serverEndpoint,
        member_id: portal.memberId,
        status: 'L',
        PLACEMENT: 'DEFAULT',
      },
    };
  }

  /** Posts the install form as the browser would (form-urlencoded), without running the page it answers. */
  async postInstallForm(installUrl: string, input: InstallFormInput = {}): Promise<HttpOutcome & { appSid: string }> {
    const call = this.installForm(installUrl, input);
    const response = await fetch(call.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: qs.stringify(call.body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.includes('json');
    this.deps.state.installs.push({ event: 'INSTALL_FORM', at: this.deps.clock.nowMs(), status: response.status });
    return { status: response.status, body: json ? (JSON.parse(text) as unknown) : text, appSid: call.appSid };
  }

  /**
   * `BX24.installFinish()` from the page opened with this APP_SID: the install completes, and only now does Bitrix24
   * send events, ONAPPINSTALL first to whoever the install page bound it to (b24restdocs api-reference/common/events/on-app-install.md).
   */
  async finishInstall(appSid: string): Promise<{ installed: boolean; deliveries: LifecycleDelivery[] }> {
    const { state, outbound, clock } = this.deps;
    const pending = state.pendingInstalls.get(appSid);
    if (!pending) return { installed: false, deliveries: [] };
    state.pendingInstalls.delete(appSid);
    state.appInstalled = true;
    state.installs.push({ event: 'INSTALL_FINISH', at: clock.nowMs(), status: null });
    const deliveries = await this.deliver(this.bindingsOf('ONAPPINSTALL'), (binding) => ({
      event: 'ONAPPINSTALL',
      event_handler_id: String(binding.id),
      data: this.installData(),
      ts: String(clock.unixSeconds()),
      auth: outbound.authBlock(pending.userId, { withRefreshToken: true, shape: 'event' }),
    }));
    return { installed: true, deliveries };
  }

  /**
   * A new app version: Bitrix24 deletes the app's robots, activities and event handlers, then sends ONAPPUPDATE with
   * the updating administrator's tokens to the handlers bound for it (b24restdocs api-reference/common/events/on-app-update.md).
   */
  async update(): Promise<LifecycleDelivery[]> {
    const { state, outbound, clock } = this.deps;
    const bindings = this.bindingsOf('ONAPPUPDATE');
    const previous = state.appVersion;
    state.appVersion += 1;
    state.dropAppRegistrations();
    const outcomes = await this.deliver(bindings, (binding) => ({
      event: 'ONAPPUPDATE',
      event_handler_id: String(binding.id),
      data: { VERSION: String(state.appVersion), PREVIOUS_VERSION: String(previous), LANGUAGE_ID: 'en' },
      ts: String(clock.unixSeconds()),
      auth: outbound.authBlock(1, { withRefreshToken: true, shape: 'event' }),
    }));
    state.installs.push({ event: 'ONAPPUPDATE', at: clock.nowMs(), status: outcomes[0]?.status ?? null });
    return outcomes;
  }

  /**
   * The administrator deletes the app: its API access is revoked, its registrations go, and ONAPPUNINSTALL reaches the
   * handlers bound for it with no tokens, only the portal and `application_token`
   * (b24restdocs api-reference/common/events/on-app-uninstall.md).
   */
  async uninstall(options: { clean?: boolean } = {}): Promise<LifecycleDelivery[]> {
    const { state, tokens, portal, clock } = this.deps;
    const bindings = this.bindingsOf('ONAPPUNINSTALL');
    tokens.revokeAll();
    state.dropAppRegistrations();
    state.placements = [];
    state.offlineEvents = [];
    state.pendingInstalls.clear();
    state.appInstalled = false;
    const outcomes = await this.deliver(bindings, (binding) => ({
      event: 'ONAPPUNINSTALL',
      event_handler_id: String(binding.id),
      data: { LANGUAGE_ID: 'en', CLEAN: options.clean ? '1' : '0' },
      ts: String(clock.unixSeconds()),
      auth: {
        domain: portal.domain,
        server_endpoint: portal.serverEndpoint,
        client_endpoint: portal.clientEndpoint,
        member_id: portal.memberId,
        application_token: state.applicationToken,
      },
    }));
    state.installs.push({ event: 'ONAPPUNINSTALL', at: clock.nowMs(), status: outcomes[0]?.status ?? null });
    return outcomes;
  }

  private installData(): Record<string, string> {
    return { VERSION: String(this.deps.state.appVersion), ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'en' };
  }

  private bindingsOf(event: string): EventBinding[] {
    return this.deps.state.eventBindings.filter((binding) => binding.event === event && !binding.offline);
  }

  private async deliver(
    bindings: EventBinding[],
    body: (binding: EventBinding) => Record<string, unknown>,
  ): Promise<LifecycleDelivery[]> {
    const outcomes: LifecycleDelivery[] = [];
    for (const binding of bindings) {
      const form = body(binding);
      const outcome = await this.deps.outbound
        .postForm(binding.handler, form, { kind: 'event', event: String(form.event) })
        .catch((error: unknown) => ({ status: 0, body: error instanceof Error ? error.message : String(error) }));
      outcomes.push({ ...outcome, handler: binding.handler });
    }
    return outcomes;
  }
}
