// `npm run bench`: starts the real stack (dev server, emulator, simulators, worker and API processes) and prints a table.
// A benchmark, not a test: it reports figures whether or not they meet their targets.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startStack } from '../../test/support/stack.js';
import { robotRoundTrip } from './robot-round-trip.js';
import { printTable, type BenchRow } from './stats.js';

Runtime.install({ logger: new DefaultLogger('WARN') });

const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);
const rows: BenchRow[] = [];

const stack = await startStack({ env: { LOG_LEVEL: 'warn' } });
try {
  if (wanted('round-trip')) rows.push(...(await robotRoundTrip(stack)).rows);
} finally {
  await stack.stop();
}
printTable(rows);
