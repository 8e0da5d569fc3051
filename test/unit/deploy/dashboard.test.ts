import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createApiMetrics } from '../../../lib/metrics/api-metrics.js';
import { createMetricsRegistry } from '../../../lib/metrics/registry.js';
import { createWorkerMetrics } from '../../../worker/metrics.js';
import { dashboardQueries, metricNamesIn, readDashboard } from '../../support/dashboard.js';

/** Series names a registry exports: counters and gauges as named, histograms as _bucket, _sum and _count. */
async function seriesNames(registry: Registry): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

/**
 * Series the workflows emit through the SDK's metric meter (workflows/robot/finish.ts): they appear on the worker's
 * SDK endpoint, which test/e2e/dashboard-metrics.e2e.test.ts scrapes together with every temporal_* name.
 */
const WORKFLOW_METER_SERIES = new Set(['b24_robot_runs']);

describe('deploy/grafana dashboard', () => {
  const queries = dashboardQueries();

  it('has a query on every panel that is not a row', () => {
    const panels = (readDashboard().panels ?? []).filter((panel) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) expect(panel.targets?.some((target) => metricNamesIn(target.expr ?? '').length > 0), panel.title).toBe(true);
  });

  it('reads only b24_* series that the API and worker registries (lib/metrics) define', async () => {
    const exported = new Set([
      ...(await seriesNames(createApiMetrics(createMetricsRegistry({ processMetrics: false })).registry)),
      ...(await seriesNames(createWorkerMetrics(createMetricsRegistry({ processMetrics: false })).registry)),
      ...WORKFLOW_METER_SERIES,
    ]);
    const unknown = queries.flatMap((query) =>
      metricNamesIn(query.expr)
        .filter((name) => name.startsWith('b24_') && !exported.has(name))
        .map((name) => `${query.panel}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('covers what operators asked for: robot outcomes, Bitrix24 calls and 503s per portal, refreshes, activities, workflow tasks', () => {
    const all = queries.map((query) => query.expr).join('\n');
    expect(all).toMatch(/sum by \(robot_code, outcome\) \(increase\(b24_robot_runs/);
    expect(all).toMatch(/sum by \(portal\) \(rate\(b24_bitrix24_calls_total/);
    expect(all).toMatch(/sum by \(portal, error_code\) \(rate\(b24_bitrix24_calls_total\{status="5xx"\}/);
    expect(all).toContain('b24_token_refreshes_total');
    expect(all).toContain('b24_activity_attempts_total');
    expect(all).toContain('temporal_activity_execution_latency_bucket');
    expect(all).toContain('temporal_workflow_task_schedule_to_start_latency_bucket');
    expect(all).toContain('temporal_workflow_task_execution_latency_bucket');
  });

  it('uses a datasource variable, so it imports into any Grafana', () => {
    const dashboard = readDashboard() as { templating?: { list?: { name?: string; type?: string }[] }; uid?: string };
    expect(dashboard.templating?.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource' }));
    expect(JSON.stringify(dashboard)).not.toMatch(/"uid":\s*"(?!\$\{datasource\}|b24-temporal)[^"]+"/);
  });
});
