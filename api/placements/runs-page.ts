import type { Permissions } from './access.js';
import { escapeHtml as e } from './html.js';
import { isFailedRun, isRunningRun, RUN_STATUS, type RunSummary } from './runs-service.js';

export interface RunsPageView {
  /** `DEAL_7`, `DYNAMIC_147_3` */
  documentKey: string;
  itemTitle: string;
  viewer: { userId: number; name: string };
  runs: readonly RunSummary[];
  permissions: Permissions;
  /** The signed page token every button sends back. */
  token: string;
  /** `${PUBLIC_URL}/bitrix24/placements/runs`; the buttons post to `/view`, `/retry`, `/terminate` below it. */
  actionBase: string;
  notice?: { kind: 'ok' | 'error'; text: string };
  nonce: string;
}

const STYLE = `body{font:13px/1.4 -apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:16px;color:#333;background:#fff}
h1{font-size:16px;margin:0 0 4px}p.sub{margin:0 0 12px;color:#80868e}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e6e9ec;vertical-align:top}th{color:#80868e;font-weight:600}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#eef2f4}
.pill.ok{background:#e5f9d5;color:#2e6b00}.pill.bad{background:#ffe1e1;color:#a30000}.pill.live{background:#e0f4ff;color:#0b66c3}
.detail{max-width:420px;word-break:break-word}form{display:inline;margin:0}button{font:inherit;padding:3px 10px;border-radius:4px;
border:1px solid #bdc1c6;background:#fff;cursor:pointer}button.retry{border-color:#3bc8f5;color:#0b66c3}
button.stop{border-color:#ff5752;color:#a30000}.notice{padding:8px 12px;margin:0 0 12px;border-radius:4px}
.notice.ok{background:#e5f9d5}.notice.error{background:#ffe1e1}.empty{color:#80868e;padding:24px 0}.bar{margin:0 0 12px}`;

function statusPill(run: RunSummary): string {
  const label = run.status === RUN_STATUS.completed && run.outcome ? run.outcome : run.status.toLowerCase().replace(/_/g, ' ');
  const tone = isFailedRun(run) ? 'bad' : isRunningRun(run) ? 'live' : 'ok';
  return `<span class="pill ${tone}">${e(label)}</span>`;
}

function started(iso: string): string {
  return `<time datetime="${e(iso)}">${e(iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</time>`;
}

function actionForm(view: RunsPageView, action: 'retry' | 'terminate', run: RunSummary, label: string): string {
  return (
    `<form method="post" action="${e(`${view.actionBase}/${action}`)}">` +
    `<input type="hidden" name="token" value="${e(view.token)}">` +
    `<input type="hidden" name="workflowId" value="${e(run.workflowId)}">` +
    `<input type="hidden" name="runId" value="${e(run.runId)}">` +
    `<button type="submit" class="${action === 'retry' ? 'retry' : 'stop'}">${e(label)}</button></form>`
  );
}

function actions(view: RunsPageView, run: RunSummary, isCurrent: boolean): string {
  const buttons: string[] = [];
  if (isCurrent && isFailedRun(run) && view.permissions.retry) buttons.push(actionForm(view, 'retry', run, 'Retry'));
  if (isRunningRun(run) && view.permissions.terminate) buttons.push(actionForm(view, 'terminate', run, 'Terminate'));
  return buttons.join(' ');
}

function row(view: RunsPageView, run: RunSummary, isCurrent: boolean): string {
  return (
    `<tr data-workflow-id="${e(run.workflowId)}" data-run-id="${e(run.runId)}">` +
    `<td>${e(run.process)}</td><td>${statusPill(run)}</td><td>${started(run.startedAt)}</td>` +
    `<td class="detail">${e(run.detail)}</td>` +
    `<td><a href="${e(run.webUiUrl)}" target="_blank" rel="noopener noreferrer">Open in Temporal</a></td>` +
    `<td>${actions(view, run, isCurrent)}</td></tr>`
  );
}

/** The runs tab: a server-rendered table with no script; every value is escaped. */
export function renderRunsPage(view: RunsPageView): string {
  const seen = new Set<string>();
  const rows = view.runs.map((run) => {
    // Runs come newest first, so the first run of each workflow id is its current one; only that one can be retried.
    const isCurrent = !seen.has(run.workflowId);
    seen.add(run.workflowId);
    return row(view, run, isCurrent);
  });
  const head = '<tr><th>Process</th><th>Status</th><th>Started</th><th>Last step or error</th><th>Run</th><th></th></tr>';
  const table = rows.length
    ? `<table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`
    : '<p class="empty">No workflow runs for this item yet.</p>';
  const notice = view.notice ? `<p class="notice ${view.notice.kind}" role="status">${e(view.notice.text)}</p>` : '';
  const title = view.itemTitle ? `${view.itemTitle} (${view.documentKey})` : view.documentKey;
  const viewer = view.viewer.name ? `${view.viewer.name} (user ${view.viewer.userId})` : `user ${view.viewer.userId}`;
  return page(
    view.nonce,
    `Runs · ${view.documentKey}`,
    `<h1>Workflow runs of ${e(title)}</h1><p class="sub">Viewing as ${e(viewer)}</p>${notice}` +
      `<div class="bar"><form method="post" action="${e(`${view.actionBase}/view`)}">` +
      `<input type="hidden" name="token" value="${e(view.token)}"><button type="submit">Reload</button></form></div>${table}`,
  );
}

/** A refusal or failure, said plainly, in the tab's frame. */
export function renderMessagePage(options: { nonce: string; title: string; message: string }): string {
  return page(options.nonce, options.title, `<h1>${e(options.title)}</h1><p class="notice error" role="alert">${e(options.message)}</p>`);
}

function page(nonce: string, title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${e(title)}</title><style nonce="${e(nonce)}">${STYLE}</style></head><body><main>${body}</main></body></html>`;
}
