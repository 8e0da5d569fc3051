import { createHash } from 'node:crypto';

/**
 * The one inline script of the install page. Its hash, not `'unsafe-inline'`, lets it run: nothing injected into the
 * page could execute. BX24.installFinish() completes the install; until then Bitrix24 sends no events
 * (b24restdocs settings/app-installation/installation-finish.md, sdk/bx24-js-sdk/system-functions/bx24-install-finish.md).
 */
export const INSTALL_FINISH_SCRIPT = 'BX24.init(function () { BX24.installFinish(); });';
const INSTALL_FINISH_SCRIPT_HASH = `'sha256-${createHash('sha256').update(INSTALL_FINISH_SCRIPT, 'utf8').digest('base64')}'`;

export interface HtmlPage {
  html: string;
  headers: Record<string, string>;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function pageHeaders(contentSecurityPolicy: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    // The page's URL carries the frame's APP_SID; the library request need not tell anyone.
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

const NO_SCRIPT_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'";

/**
 * Answer to the install form of an app with a UI: loads the BX24 library (scripts only from its origin) and calls
 * BX24.installFinish().
 */
export function installFinishPage(libraryUrl: string): HtmlPage {
  const libraryOrigin = new URL(libraryUrl).origin;
  return {
    headers: pageHeaders(`default-src 'none'; script-src ${libraryOrigin} ${INSTALL_FINISH_SCRIPT_HASH}; base-uri 'none'; form-action 'none'`),
    html: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>b24-temporal · installing</title>
<script src="${escapeHtml(libraryUrl)}"></script>
<script>${INSTALL_FINISH_SCRIPT}</script>
</head><body>
<h1>b24-temporal is installed</h1>
<p>Its robots, business-process activities, event handlers and CRM tabs are being registered in this portal.</p>
</body></html>
`,
  };
}

/** Answer to an opening of the installed app (the same URL, after the install finished): no script at all. */
export function installedPage(): HtmlPage {
  return {
    headers: pageHeaders(NO_SCRIPT_POLICY),
    html: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>b24-temporal</title></head><body>
<h1>b24-temporal is installed</h1>
<p>It works in the background: its robots and activities are in the automation rules and business-process designers,
and each deal and claim has a "Workflow runs" tab.</p>
</body></html>
`,
  };
}
