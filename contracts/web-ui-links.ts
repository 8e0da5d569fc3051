/**
 * A run's page in the Temporal Web UI: `${TEMPORAL_WEB_UI_URL}/namespaces/{ns}/workflows/{id}/{runId}`. Our workflow
 * ids contain slashes, so every segment is encoded. Sandbox-safe: the runs tab and the workflows' timeline line share it.
 */
export function webUiRunUrl(webUiUrl: string, namespace: string, run: { workflowId: string; runId: string }): string {
  const base = webUiUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(run.workflowId)}/${encodeURIComponent(run.runId)}`;
}

/** What a timeline line links: the run's Web UI page, or its run id when no UI address is configured. */
export function runLinkText(webUiUrl: string | undefined, namespace: string, run: { workflowId: string; runId: string }): string {
  return webUiUrl ? webUiRunUrl(webUiUrl, namespace, run) : `run ${run.runId}`;
}
