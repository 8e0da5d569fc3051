// Makes sure Debian's Chromium is present for the headless-browser test (test/e2e/runs-tab.e2e.test.ts).
// Playwright's own browser download cannot work on machines without internet, so the distribution package is used.
// Installs it with apt-get when missing and running as root; otherwise explains what to install and exits non-zero.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import process from 'node:process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (existsSync(CHROMIUM)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  process.stderr.write(
    `${CHROMIUM} is missing: install Debian's chromium (sudo apt-get install -y chromium) or set CHROMIUM_PATH, then run the tests again.\n`,
  );
  process.exit(1);
}

process.stderr.write(`Installing Debian's chromium for the headless-browser test (once; takes a minute)...\n`);
const run = (args) => execFileSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
run(['update']);
run(['install', '-y', '--no-install-recommends', 'chromium']);
if (!existsSync(CHROMIUM)) {
  process.stderr.write(`apt-get finished but ${CHROMIUM} is still missing.\n`);
  process.exit(1);
}
