import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { InstallFormCall } from './app-lifecycle.js';
import type { Bitrix24Emulator } from './types.js';

/**
 * A small stand-in for the BX24 library (`//api.bitrix24.com/api/v1/`). Like the real one (b24jssdk
 * packages/jssdk/src/frame/frame.ts and message/controller.ts) it learns the portal and the frame's APP_SID from the
 * page's query string and talks to the portal page with `parent.postMessage('command:…:APP_SID', portalOrigin)`;
 * `installFinish()` sends `setInstallFinish` (b24jssdk packages/jssdk/src/frame/b24.ts).
 */
export const BX24_STAND_IN = `(function () {
  var query = new URLSearchParams(window.location.search);
  var domain = (query.get('DOMAIN') || '').replace(/:(80|443)$/, '');
  var portalOrigin = (query.get('PROTOCOL') === '1' ? 'https' : 'http') + '://' + domain;
  var appSid = query.get('APP_SID') || '';
  var callbacks = 0;
  function send(command) {
    callbacks += 1;
    window.parent.postMessage([command, 'cb' + callbacks, appSid].join(':'), portalOrigin);
  }
  window.BX24 = {
    init: function (callback) {
      if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { callback(); });
      else window.setTimeout(callback, 0);
    },
    installFinish: function () { send('setInstallFinish'); }
  };
})();
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * The portal's app slider during an install: an iframe into which a form posts the install call, and the portal's
 * side of the BX24 messages, which completes the install when the frame sends `setInstallFinish` with its APP_SID.
 */
export function renderInstallFrame(call: InstallFormCall): string {
  const fields = Object.entries(call.body)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Installing the application</title>
<style>body{font:14px sans-serif;margin:0;background:#eef2f4}header{padding:12px 20px;background:#2fc6f6;color:#fff;font-weight:bold}
iframe{display:block;width:calc(100% - 40px);height:480px;margin:20px;border:0;background:#fff}</style></head>
<body><header>Installing the application · <span id="install-state" data-state="waiting">waiting for BX24.installFinish()</span></header>
<iframe name="app-install" title="Application install"></iframe>
<form id="install-call" method="post" action="${escapeHtml(call.url)}" target="app-install">${fields}</form>
<script>
var frame = document.querySelector('iframe[name="app-install"]');
var state = document.getElementById('install-state');
window.addEventListener('message', function (event) {
  if (event.source !== frame.contentWindow || typeof event.data !== 'string') return;
  var parts = event.data.split(':');
  if (parts[0] !== 'setInstallFinish') return;
  fetch('/_emulator/install/finish', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appSid: parts[parts.length - 1] })
  }).then(function (response) { return response.json(); }).then(function (answer) {
    state.dataset.state = answer.installed ? 'installed' : 'refused';
    state.textContent = answer.installed ? 'installed' : 'installFinish() from an unknown frame';
  });
});
document.getElementById('install-call').submit();
</script></body></html>`;
}

const schemas = {
  install: z.object({ installUrl: z.url() }),
  form: z.object({ installUrl: z.url(), userId: z.coerce.number().int().positive().optional() }),
  finish: z.object({ appSid: z.string().min(1) }),
  uninstall: z.object({ clean: z.boolean().optional() }),
} as const;

/**
 * The app's life cycle through the control API, and the BX24 stand-in at the path the real library has (`/api/v1/`),
 * so an app page can load it from the emulator as it would from api.bitrix24.com.
 */
export function registerInstallRoutes(app: FastifyInstance, emulator: Bitrix24Emulator): void {
  app.post('/_emulator/install', async (request) => emulator.installApp(schemas.install.parse(request.body).installUrl));
  app.post('/_emulator/install/form', async (request) => {
    const { installUrl, userId } = schemas.form.parse(request.body);
    return emulator.postInstallForm(installUrl, userId === undefined ? {} : { userId });
  });
  app.get('/_emulator/install/open', async (request, reply) => {
    const { installUrl, userId } = schemas.form.parse(request.query);
    const call = emulator.installForm(installUrl, userId === undefined ? {} : { userId });
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderInstallFrame(call));
  });
  app.post('/_emulator/install/finish', async (request) => emulator.finishInstall(schemas.finish.parse(request.body).appSid));
  app.post('/_emulator/app/update', async () => ({ deliveries: await emulator.updateApp() }));
  app.post('/_emulator/app/uninstall', async (request) => ({
    deliveries: await emulator.uninstallApp(schemas.uninstall.parse(request.body ?? {})),
  }));
  for (const url of ['/api/v1/', '/api/v1']) {
    app.get(url, async (_request, reply) => reply.type('application/javascript; charset=utf-8').send(BX24_STAND_IN));
  }
}
