import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { callRest, startCaptureServer } from './helpers.js';

type Capture = Awaited<ReturnType<typeof startCaptureServer>>;

describe('Bitrix24 emulator: install paths, update, uninstall', () => {
  let emulator: Bitrix24Emulator;
  let handler: Capture;

  beforeEach(async () => {
    emulator = await startBitrix24Emulator({ rateLimit: false });
    handler = await startCaptureServer();
  });
  afterEach(async () => {
    await handler.close();
    await emulator.close();
  });

  const rest = (method: string, params: Record<string, unknown> = {}) => callRest(emulator.clientEndpoint, method, params);

  /** Whose token an event delivered: events carry no `user_id` (b24restdocs api-reference/events/index.md), the portal knows. */
  async function tokenUser(auth: Record<string, string>): Promise<unknown> {
    expect(Object.keys(auth)).not.toContain('user_id');
    expect(Object.keys(auth)).not.toContain('expires');
    return ((await rest('user.current', { auth: auth.access_token })).body.result as { ID?: unknown }).ID;
  }

  async function oauthAppInfo(accessToken: string) {
    const response = await fetch(`${emulator.serverEndpoint}app.info?auth=${accessToken}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('API-only: the install completes at once and ONAPPINSTALL brings an administrator token pair and the application token', async () => {
    expect(emulator.state.appInstalled).toBe(false);
    await emulator.installApp(handler.url);
    expect(emulator.state.appInstalled).toBe(true);
    const auth = handler.requests[0]?.form.auth as Record<string, string>;
    expect(auth).toMatchObject({ member_id: emulator.memberId, application_token: emulator.applicationToken });
    expect(auth.refresh_token).toBeTruthy();
    expect(await tokenUser(auth)).toBe('1');
    const info = await rest('app.info', { auth: auth.access_token });
    expect(info.body.result).toMatchObject({ INSTALLED: true, VERSION: 1, STATUS: 'L' });
  });

  describe('an app with a UI', () => {
    it('posts the documented install form: portal in the query, tokens in the body, no application token', async () => {
      const form = emulator.installForm('https://app.example.com/bitrix24/install', { userId: 1 });
      const url = new URL(form.url);
      expect(Object.fromEntries(url.searchParams)).toEqual({ DOMAIN: emulator.domain, PROTOCOL: '0', LANG: 'en', APP_SID: form.appSid });
      expect(Object.keys(form.body).sort()).toEqual(['AUTH_EXPIRES', 'AUTH_ID', 'PLACEMENT', 'REFRESH_ID', 'SERVER_ENDPOINT', 'member_id', 'status'].sort());
      expect(form.body).toMatchObject({ PLACEMENT: 'DEFAULT', member_id: emulator.memberId, SERVER_ENDPOINT: emulator.serverEndpoint, AUTH_EXPIRES: '3600' });
      const info = await rest('app.info', { auth: form.body.AUTH_ID });
      expect(info.body.result).toMatchObject({ INSTALLED: false });
    });

    it('sends no event before BX24.installFinish(); then ONAPPINSTALL to the handler the install bound, and events', async () => {
      const posted = await emulator.postInstallForm(handler.url, { userId: 1 });
      expect(posted.status).toBe(200);
      const form = handler.requests[0]?.form as Record<string, string>;
      expect(form.PLACEMENT).toBe('DEFAULT');
      // What the install page does before it finishes the install.
      expect((await rest('event.bind', { auth: form.AUTH_ID, event: 'ONAPPINSTALL', handler: handler.url })).status).toBe(200);
      expect((await rest('event.bind', { auth: form.AUTH_ID, event: 'ONCRMDEALADD', handler: handler.url })).status).toBe(200);

      emulator.userAddsItem(2, { title: 'Before the install finished' });
      await emulator.settleDeliveries();
      expect(handler.requests).toHaveLength(1);

      expect(await emulator.finishInstall('not-this-frame')).toEqual({ installed: false, deliveries: [] });
      expect(emulator.state.appInstalled).toBe(false);

      const finished = await emulator.finishInstall(posted.appSid);
      expect(finished).toMatchObject({ installed: true, deliveries: [{ handler: handler.url, status: 200 }] });
      const onAppInstall = handler.requests[1]?.form as { event: string; data: Record<string, string>; auth: Record<string, string> };
      expect(onAppInstall.event).toBe('ONAPPINSTALL');
      expect(onAppInstall.data).toEqual({ VERSION: '1', ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'en' });
      expect(onAppInstall.auth).toMatchObject({ application_token: emulator.applicationToken, member_id: emulator.memberId });
      expect(await tokenUser(onAppInstall.auth)).toBe('1');
      expect(onAppInstall.auth.refresh_token).toBeTruthy();
      // The frame's APP_SID finishes one install only.
      expect((await emulator.finishInstall(posted.appSid)).installed).toBe(false);

      emulator.userAddsItem(2, { title: 'After the install finished' });
      await emulator.settleDeliveries();
      expect(handler.requests.map((request) => (request.form as { event?: string }).event)).toEqual([undefined, 'ONAPPINSTALL', 'ONCRMDEALADD']);
    });

    it('serves the BX24 stand-in where the real library lives, and the install slider page', async () => {
      const library = await fetch(emulator.bx24LibraryUrl);
      expect(library.headers.get('content-type')).toContain('javascript');
      const script = await library.text();
      expect(script).toContain('setInstallFinish');
      expect(script).toContain('window.parent.postMessage');

      const page = await fetch(`${emulator.url}/_emulator/install/open?installUrl=${encodeURIComponent(handler.url)}&userId=1`);
      const html = await page.text();
      expect(html).toContain(`action="${handler.url.replace(/&/g, '&#38;')}?DOMAIN=`);
      expect(html).toContain('name="PLACEMENT" value="DEFAULT"');
      expect(emulator.state.pendingInstalls.size).toBe(1);
    });
  });

  describe('app.info on the OAuth server and user.admin', () => {
    it("tells whose token it is, for which portal and app, and whether the install finished", async () => {
      const admin = emulator.placementCall(handler.url, { placement: 'CRM_DEAL_DETAIL_TAB', userId: 1 }).body.AUTH_ID ?? '';
      const manager = emulator.placementCall(handler.url, { placement: 'CRM_DEAL_DETAIL_TAB', userId: 3 }).body.AUTH_ID ?? '';
      const info = await oauthAppInfo(manager);
      expect(info.status).toBe(200);
      expect(info.body.result).toMatchObject({
        client_id: 'local.emulator.app',
        install: { installed: false, version: '1', domain: emulator.domain, member_id: emulator.memberId, client_endpoint: emulator.clientEndpoint },
        user_id: '3',
      });
      expect(info.body.time).toBeDefined();
      expect(await oauthAppInfo('unknown')).toMatchObject({ status: 401, body: { error: 'NO_AUTH_FOUND' } });
      emulator.expireAccessTokens();
      expect(await oauthAppInfo(admin)).toMatchObject({ status: 401, body: { error: 'expired_token' } });
    });

    it('user.admin is true for the seeded administrator and false for user 3', async () => {
      const tokenOf = (userId: number) => emulator.placementCall(handler.url, { placement: 'CRM_DEAL_DETAIL_TAB', userId }).body.AUTH_ID;
      expect((await rest('user.admin', { auth: tokenOf(1) })).body.result).toBe(true);
      expect((await rest('user.admin', { auth: tokenOf(3) })).body.result).toBe(false);
    });
  });

  describe('update and uninstall', () => {
    let token: string;
    let refreshToken: string;
    beforeEach(async () => {
      await emulator.installApp(handler.url);
      const auth = handler.requests[0]?.form.auth as Record<string, string>;
      token = auth.access_token ?? '';
      refreshToken = auth.refresh_token ?? '';
      handler.requests.length = 0;
    });

    it('an update drops the registrations and sends ONAPPUPDATE only to handlers bound for it', async () => {
      await rest('bizproc.robot.add', { auth: token, CODE: 'r1', HANDLER: handler.url, NAME: 'R1', USE_SUBSCRIPTION: 'Y' });
      expect(await emulator.updateApp()).toEqual([]);
      expect(emulator.state.robots.size).toBe(0);
      expect(handler.requests).toHaveLength(0);

      await rest('event.bind', { auth: token, event: 'ONAPPUPDATE', handler: handler.url });
      expect(await emulator.updateApp()).toMatchObject([{ handler: handler.url, status: 200 }]);
      const update = handler.requests[0]?.form as { event: string; data: Record<string, string>; auth: Record<string, string> };
      expect(update.event).toBe('ONAPPUPDATE');
      expect(update.data).toEqual({ VERSION: '3', PREVIOUS_VERSION: '2', LANGUAGE_ID: 'en' });
      expect(update.auth).toMatchObject({ application_token: emulator.applicationToken });
      expect(await tokenUser(update.auth)).toBe('1');
      expect(update.auth.refresh_token).toBeTruthy();
      expect(emulator.state.eventBindings).toEqual([]);
    });

    it('an uninstall revokes the tokens and sends ONAPPUNINSTALL without tokens, only when bound', async () => {
      await rest('event.bind', { auth: token, event: 'ONAPPUNINSTALL', handler: handler.url });
      const deliveries = await emulator.uninstallApp({ clean: true });
      expect(deliveries).toMatchObject([{ handler: handler.url, status: 200 }]);
      const uninstall = handler.requests.at(-1)?.form as { event: string; data: Record<string, string>; auth: Record<string, string> };
      expect(uninstall.event).toBe('ONAPPUNINSTALL');
      expect(uninstall.data).toEqual({ LANGUAGE_ID: 'en', CLEAN: '1' });
      expect(uninstall.auth).toEqual({
        domain: emulator.domain,
        server_endpoint: emulator.serverEndpoint,
        client_endpoint: emulator.clientEndpoint,
        member_id: emulator.memberId,
        application_token: emulator.applicationToken,
      });
      expect(emulator.state.appInstalled).toBe(false);
      expect(await rest('app.info', { auth: token })).toMatchObject({ status: 401, body: { error: 'NO_AUTH_FOUND' } });
      const refresh = await fetch(`${emulator.tokenEndpoint}?grant_type=refresh_token&client_id=local.emulator.app&client_secret=emulator-secret&refresh_token=${refreshToken}`);
      expect(refresh.status).toBe(400);

      expect(await emulator.uninstallApp()).toEqual([]);
    });
  });
});
