import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the preparation scripts recorded under .tools/ (git-ignored): `npm run test:cluster` runs them first. */
export interface ToolsManifests {
  /** scripts/cluster/ensure-postgresql.mjs */
  postgresql: { binDir: string; version: string };
  /** scripts/cluster/ensure-temporal-server.mjs */
  'temporal-server': { version: string; server: string; sqlTool: string; schemaDir: string };
  /** scripts/ensure-temporal-binaries.mjs (the CLI, which the namespace job uses as the admin-tools image does) */
  binaries: { temporalCli: string };
}

const PREPARED_BY: Record<keyof ToolsManifests, string> = {
  postgresql: 'node scripts/cluster/ensure-postgresql.mjs',
  'temporal-server': 'node scripts/cluster/ensure-temporal-server.mjs',
  binaries: 'npm run binaries',
};

export class MissingToolError extends Error {
  override readonly name = 'MissingToolError';
}

export function toolsManifest<Name extends keyof ToolsManifests>(name: Name): ToolsManifests[Name] {
  const path = fileURLToPath(new URL(`../../.tools/${name}.json`, import.meta.url));
  if (!existsSync(path)) throw new MissingToolError(`${path} is missing: run \`${PREPARED_BY[name]}\` (npm run test:cluster does it for you).`);
  return JSON.parse(readFileSync(path, 'utf8')) as ToolsManifests[Name];
}
