import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_PATH = 'deploy/grafana/b24-temporal-dashboard.json';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Panel {
  title?: string;
  type?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

export interface PanelQuery {
  panel: string;
  expr: string;
}

export function readDashboard(): { title?: string; uid?: string; panels?: Panel[]; templating?: unknown } {
  return JSON.parse(readFileSync(resolve(repoRoot, DASHBOARD_PATH), 'utf8')) as { panels?: Panel[] };
}

/** Every PromQL query of every panel (rows' nested panels included), with the panel's title. */
export function dashboardQueries(): PanelQuery[] {
  const walk = (panels: Panel[] = []): PanelQuery[] =>
    panels.flatMap((panel) => [
      ...(panel.targets ?? []).map((target) => ({ panel: panel.title ?? '(untitled)', expr: target.expr ?? '' })),
      ...walk(panel.panels),
    ]);
  return walk(readDashboard().panels);
}

/** Metric names a PromQL expression reads: our `b24_*` and the SDK's `temporal_*` series. */
export function metricNamesIn(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b((?:b24|temporal)_[a-zA-Z0-9_]+)\b/g)].map((match) => match[1]!))];
}
