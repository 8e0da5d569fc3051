// `npm run bench [-- section ...]`: starts the real stack (dev server, emulator, simulators, worker and API processes)
// and prints a table. Sections: round-trip, budget, credit, events, ingress, storm, robot-storm, erp (all by default).
// A benchmark, not a test: it reports figures whether or not they meet their targets.
import { performance } from 'node:perf_hooks';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { CHECK_CREDIT_LIMIT, GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { startStack } from '../../test/support/stack.js';
import { budgetOverhead } from './budget-overhead.js';
import { erpRoundTrip } from './erp-round-trip.js';
import { measureEventLatency } from './event-latency.js';
import { ingressBenchmark } from './ingress.js';
import { robotRoundTrip } from './robot-round-trip.js';
import { REAL_RATE_LIMIT, robotStorm, robotStormStackOptions, type RobotStormCase } from './robot-storm.js';
import { drainMs, quietPortal } from './portal-quiet.js';
import { printTable, type BenchRow } from './stats.js';
import { rateLimitStorm, stormStackOptions } from './storm.js';

Runtime.install({ logger: new DefaultLogger('WARN') });

const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);
const rows: BenchRow[] = [];
const startedAt = performance.now();
const progress = (message: string) => process.stderr.write(`[bench ${((performance.now() - startedAt) / 1000).toFixed(0)} s] ${message}\n`);

if (wanted('round-trip') || wanted('budget') || wanted('credit') || wanted('events') || wanted('ingress')) {
  // The ingress benchmark sends 6 000 requests naming one portal within a minute: the API's per-portal abuse limit
  // (docs/security.md) would answer 429, which is what it is for, but not what this measures.
  const stack = await startStack({ env: { LOG_LEVEL: 'warn', API_RATE_LIMIT_PER_PORTAL: '0' } });
  try {
    if (wanted('round-trip')) {
      progress('round trip');
      // From a portal at rest: provisioning's requests have drained from the bucket.
      await quietPortal(stack, drainMs(REAL_RATE_LIMIT));
      // On a deal the portal holds: every run also writes its line on the deal's timeline, as in production.
      const deal = stack.emulator.state.addItem(ENTITY_TYPE.deal, { title: 'Round trip', assignedById: 3 });
      const documentId: [string, string, string] = ['crm', 'CCrmDocumentDeal', `DEAL_${deal.id}`];
      const price = { label: 'GET_1C_PRICE at the real 2/s', code: GET_1C_PRICE.code, properties: { article: 'SKU-001' }, documentId, p50TargetMs: 150 };
      rows.push(...(await robotRoundTrip(stack, price)).rows);
    }
    if (wanted('budget')) {
      progress('shared budget overhead');
      rows.push(...(await budgetOverhead(stack)));
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
  // Its own stack: the shipment list id and the drain schedule are fixed at start.
  progress('storm');
  const stormStack = await startStack(stormStackOptions());
  try {
    rows.push(...(await rateLimitStorm(stormStack)));
  } finally {
    await stormStack.stop();
  }
}

if (wanted('robot-storm')) {
  // Its own stack at the real limits; the storms bring their own worker processes.
  progress('robot storm');
  const stormStack = await startStack(robotStormStackOptions());
  try {
    await stormStack.worker.stop();
    // `free`: the same storm with no Bitrix24 limit at all, the ceiling the service itself sets on this machine.
    const cases: RobotStormCase[] = (process.env.BENCH_ROBOT_STORM_CASES ?? '1on,1off,2on,2off,free').split(',').map((name) => ({
      workers: name.startsWith('2') ? 2 : 1,
      batching: name !== 'free' && name.endsWith('on'),
      calls: 500,
      // Without batching the storm takes over eight minutes at 2/s: the first 100 calls are measured.
      ...(name.endsWith('off') ? { measuredCalls: 100 } : {}),
      ...(name === 'free' ? { unlimited: true } : {}),
    }));
    for (const testCase of cases) {
      progress(`robot storm: ${testCase.workers} worker(s), batching ${testCase.batching ? 'on' : 'off'}`);
      rows.push(...(await robotStorm(stormStack, testCase)).rows);
    }
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
