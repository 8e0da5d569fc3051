// `npm run bench [-- section ...]`: starts the real stack (dev server, emulator, simulators, worker and API processes)
// and prints a table. Sections: ingress, round-trip, credit, events, storm, erp (all by default).
// A benchmark, not a test: it reports figures whether or not they meet their targets.
import { performance } from 'node:perf_hooks';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { CHECK_CREDIT_LIMIT, GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { startStack } from '../../test/support/stack.js';
import { erpRoundTrip } from './erp-round-trip.js';
import { measureEventLatency } from './event-latency.js';
import { ingressBenchmark } from './ingress.js';
import { robotRoundTrip } from './robot-round-trip.js';
import { printTable, type BenchRow } from './stats.js';
import { rateLimitStorm, stormStackOptions } from './storm.js';

Runtime.install({ logger: new DefaultLogger('WARN') });

const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);
const rows: BenchRow[] = [];
const startedAt = performance.now();
const progress = (message: string) => process.stderr.write(`[bench ${((performance.now() - startedAt) / 1000).toFixed(0)} s] ${message}\n`);

if (wanted('round-trip') || wanted('credit') || wanted('events') || wanted('ingress')) {
  const stack = await startStack({ env: { LOG_LEVEL: 'warn' } });
  try {
    if (wanted('round-trip')) {
      progress('round trip');
      const price = { label: 'GET_1C_PRICE at the real 2/s', code: GET_1C_PRICE.code, properties: { article: 'SKU-001' }, p50TargetMs: 250 };
      rows.push(...(await robotRoundTrip(stack, price)).rows);
    }
    if (wanted('credit')) {
      progress('credit');
      // Auto-approved credit check: the finance API answers in its own latency (simulator default 50 ms).
      const credit = { label: 'check_credit_limit (auto-approved)', code: CHECK_CREDIT_LIMIT.code, properties: { company_id: '1', amount: '1000' } };
      rows.push(...(await robotRoundTrip(stack, { ...credit, calls: 20 })).rows);
    }
    if (wanted('events')) {
      progress('events');
      // CRM event → entity workflow → write back; ENTITY_COALESCE_WINDOW_MS (default 2 s) is inside every figure.
      rows.push(...(await measureEventLatency(stack, { events: 20 })).rows);
    }
    // Last on this stack: it leaves thousands of waiting runs in the dev server.
    if (wanted('ingress')) {
      progress('ingress');
      rows.push(...(await ingressBenchmark(stack)));
    }
  } finally {
    await stack.stop();
  }
}

if (wanted('storm')) {
  // Its own stack: the limits of the emulator and of the worker's limiter are fixed at start.
  progress('storm');
  const stormStack = await startStack(stormStackOptions());
  try {
    // Each GET_1C_PRICE run makes 2 REST calls (event.send, which goes first, and the timeline line): at the real 2/s
    // the sequential round trip above is bound by the portal's limit once the burst is spent (one run per second);
    // here the same run with limits ten-fold shows the service's own latency.
    const price = { label: 'GET_1C_PRICE at 20/s burst 50', code: GET_1C_PRICE.code, properties: { article: 'SKU-001' }, p50TargetMs: 250 };
    rows.push(...(await robotRoundTrip(stormStack, price)).rows);
    rows.push(...(await rateLimitStorm(stormStack)));
  } finally {
    await stormStack.stop();
  }
}

if (wanted('erp')) {
  // The seed case: an ERP that answers in 30–40 s. Its own stack, because the simulator's latency is fixed at start.
  progress('erp');
  const slowErp = await startStack({ env: { LOG_LEVEL: 'warn' }, erpLatencyMs: 35_000 });
  try {
    rows.push(...(await erpRoundTrip(slowErp, 3)));
  } finally {
    await slowErp.stop();
  }
}
progress('done');
printTable(rows);
