import { Counter, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry } from './registry.js';

/** Every metric the API process exports on `GET /metrics`. */
export interface ApiMetrics {
  readonly registry: Registry;
  /** Requests by route template, method and outcome (an API error code, or the status class). */
  readonly ingressRequests: Counter<'route' | 'method' | 'outcome'>;
  readonly ingressDuration: Histogram<'route' | 'method' | 'outcome'>;
  /** Workflow starts and signalWithStart calls by workflow type, kind and outcome. */
  readonly workflowStarts: Counter<'workflow_type' | 'kind' | 'outcome'>;
}

export const WORKFLOW_START_OUTCOMES = {
  started: 'started',
  /** signalWithStart accepted: the signal reached a running workflow or started one (Temporal does not say which). */
  signalled: 'signalled',
  duplicate: 'duplicate',
  unavailable: 'unavailable',
  failed: 'failed',
  /** An event no route takes: acknowledged, nothing started. */
  ignored: 'ignored',
} as const;
export type WorkflowStartOutcome = (typeof WORKFLOW_START_OUTCOMES)[keyof typeof WORKFLOW_START_OUTCOMES];

export const WORKFLOW_START_KINDS = { start: 'start', signalWithStart: 'signal_with_start' } as const;

/** The durable ack waits for Temporal, so the interesting range is a few ms up to the 2 s ingress deadline. */
const INGRESS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5];

export function createApiMetrics(registry: Registry = createMetricsRegistry()): ApiMetrics {
  return {
    registry,
    ingressRequests: new Counter({
      name: 'b24_ingress_requests_total',
      help: 'HTTP requests to the ingress by route, method and outcome (API error code or status class).',
      labelNames: ['route', 'method', 'outcome'],
      registers: [registry],
    }),
    ingressDuration: new Histogram({
      name: 'b24_ingress_request_duration_seconds',
      help: 'Ingress request latency, durable ack included.',
      labelNames: ['route', 'method', 'outcome'],
      buckets: INGRESS_BUCKETS,
      registers: [registry],
    }),
    workflowStarts: new Counter({
      name: 'b24_workflow_starts_total',
      help: 'Workflow starts (robots) and signalWithStart calls (CRM events) by workflow type and outcome.',
      labelNames: ['workflow_type', 'kind', 'outcome'],
      registers: [registry],
    }),
  };
}
