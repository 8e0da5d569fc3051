import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry per process (and per test): metrics are never registered on prom-client's global registry, so two apps
 * built in one test file do not collide on metric names.
 */
export function createMetricsRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
