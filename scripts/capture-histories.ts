// `npm run test:capture-histories [-- more test files]`: runs the workflow test of every declared robot (derived from
// contracts/robot-declarations.ts, scripts/robot-test-files.ts), the tests of the workflows that are not robots, and
// any files given, with CAPTURE_HISTORIES=1, so their runs are stored under test/replay/histories/ as fixtures of the
// replay gate (test/replay/replay.test.ts), which wants a history of every workflow type the worker registers.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { robotWorkflowTestFiles } from './robot-test-files.js';

/** Tests whose kept runs cover the workflows that are not robots: portal life, teardown, refusal, provisioning, entity
 * loop, offline drain, claim sequence, external writes, the request budget. */
const NON_ROBOT_WORKFLOW_TESTS = [
  'test/workflows/portal-lifecycle.test.ts',
  'test/workflows/production-workflows.test.ts',
  'test/workflows/offline-drain.test.ts',
  'test/workflows/crm-processes.test.ts',
  'test/workflows/external-write.test.ts',
  'test/workflows/portal-budget.test.ts',
];

const files = [...new Set([...robotWorkflowTestFiles(), ...NON_ROBOT_WORKFLOW_TESTS, ...process.argv.slice(2)])];
const missing = files.filter((file) => !existsSync(file));
if (missing.length > 0) {
  process.stderr.write(`No test file ${missing.join(', ')}: each declared robot needs its workflow test (docs/adding-a-robot.md).\n`);
  process.exit(1);
}
const result = spawnSync('npx', ['vitest', 'run', ...files], { stdio: 'inherit', env: { ...process.env, CAPTURE_HISTORIES: '1' } });
process.exit(result.status ?? 1);
