import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TemporalBinaries {
  temporalCli: string;
  testServer: string | null;
}

/** Runs scripts/ensure-temporal-binaries.mjs (fast when cached) and returns what it recorded. */
export function ensureTemporalBinaries(repoRoot: string): TemporalBinaries {
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'ensure-temporal-binaries.mjs')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error('scripts/ensure-temporal-binaries.mjs failed (see its message above)');
  return JSON.parse(readFileSync(join(repoRoot, '.tools', 'binaries.json'), 'utf8')) as TemporalBinaries;
}
