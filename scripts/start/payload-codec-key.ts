import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type PayloadCodecKeySource = 'environment' | 'key-file' | 'generated';

/**
 * The payload codec key for local runs. Workflow histories in the dev server's SQLite file are encrypted with it,
 * so a generated key is kept on disk: a new key on every start would make earlier runs unreadable.
 */
export function ensurePayloadCodecKey(env: NodeJS.ProcessEnv, keyFile: string): { key: string; source: PayloadCodecKeySource } {
  if (env.PAYLOAD_CODEC_KEY) return { key: env.PAYLOAD_CODEC_KEY, source: 'environment' };
  if (existsSync(keyFile)) return { key: readFileSync(keyFile, 'utf8').trim(), source: 'key-file' };
  const key = randomBytes(32).toString('base64');
  mkdirSync(dirname(keyFile), { recursive: true });
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, source: 'generated' };
}
