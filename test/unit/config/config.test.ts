import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig } from '../../../lib/config.js';

const validKey = randomBytes(32).toString('base64');

describe('configuration', () => {
  it('starts with defaults when only the payload key is given', () => {
    const config = loadConfig({ PAYLOAD_CODEC_KEY: validKey });
    expect(config.PORT).toBe(3000);
    expect(config.B24_RATE_LIMIT_PER_SECOND).toBe(2);
    expect(config.B24_RATE_LIMIT_BURST).toBe(50);
  });

  it('names the wrong variable and never echoes its value', () => {
    const attempt = () => loadConfig({ PAYLOAD_CODEC_KEY: validKey, PORT: 'seventy', B24_WEBHOOK_URL: 'not a url secret-123' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/B24_WEBHOOK_URL/);
      expect(message).not.toContain('secret-123');
    }
  });

  it('refuses a payload key that is not 32 bytes', () => {
    expect(() => loadConfig({ PAYLOAD_CODEC_KEY: Buffer.from('short').toString('base64') })).toThrow(/PAYLOAD_CODEC_KEY/);
    expect(() => loadConfig({})).toThrow(/PAYLOAD_CODEC_KEY/);
  });

  it('accepts .env.example as it is, with the payload key filled in', () => {
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const env = Object.fromEntries([...example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((match) => [match[1], match[2]]));
    const config = loadConfig({ ...env, PAYLOAD_CODEC_KEY: validKey });
    expect(config.B24_WEBHOOK_URL).toBeUndefined();
    expect(config.CLAIM_ENTITY_TYPE_ID).toBeUndefined();
  });

  it('is fully documented in .env.example', () => {
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const documented = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1]));
    const missing = Object.keys(configSchema.shape).filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });
});
