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

  it('reads EXTERNAL_API_KEYS as each key with its portals, and never quotes a key in a complaint', () => {
    const keys = loadConfig({ PAYLOAD_CODEC_KEY: validKey, EXTERNAL_API_KEYS: 'erp-key-0123456789abcdef:member-a,webhook; jira-key-0123456789abcdef:member-b' });
    expect([...(keys.EXTERNAL_API_KEYS ?? [])]).toEqual([
      ['erp-key-0123456789abcdef', ['member-a', 'webhook']],
      ['jira-key-0123456789abcdef', ['member-b']],
    ]);
    for (const wrong of ['short-key:member-a', 'erp-key-0123456789abcdef', 'erp-key-0123456789abcdef:', 'erp-key-0123456789abcdef:a/b', ';']) {
      const attempt = () => loadConfig({ PAYLOAD_CODEC_KEY: validKey, EXTERNAL_API_KEYS: wrong });
      expect(attempt, wrong).toThrow(/EXTERNAL_API_KEYS/);
      expect(() => attempt()).not.toThrow(/erp-key|short-key/);
    }
  });

  it('stops at the former EXTERNAL_API_KEY, which would now be ignored, and names its replacement', () => {
    expect(() => loadConfig({ PAYLOAD_CODEC_KEY: validKey, EXTERNAL_API_KEY: 'old-key-0123456789abcdef' })).toThrow(
      /EXTERNAL_API_KEY: was replaced by EXTERNAL_API_KEYS/,
    );
  });

  it('has abuse limits and request timeouts by default, and refuses to trust every proxy', () => {
    const config = loadConfig({ PAYLOAD_CODEC_KEY: validKey });
    expect(config).toMatchObject({
      API_RATE_LIMIT_PER_ADDRESS: 12_000,
      API_RATE_LIMIT_PER_PORTAL: 6_000,
      API_RATE_LIMIT_WINDOW_SECONDS: 60,
      API_TRUST_PROXY: false,
      API_REQUEST_TIMEOUT_MS: 30_000,
      API_HEADERS_TIMEOUT_MS: 10_000,
      PORTAL_NEGATIVE_CACHE_MS: 5_000,
    });
    expect(loadConfig({ PAYLOAD_CODEC_KEY: validKey, API_TRUST_PROXY: '1' }).API_TRUST_PROXY).toBe(1);
    expect(loadConfig({ PAYLOAD_CODEC_KEY: validKey, API_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).API_TRUST_PROXY).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(() => loadConfig({ PAYLOAD_CODEC_KEY: validKey, API_TRUST_PROXY: 'true' })).toThrow(/API_TRUST_PROXY/);
    expect(() => loadConfig({ PAYLOAD_CODEC_KEY: validKey, API_HEADERS_TIMEOUT_MS: '40000' })).toThrow(/API_HEADERS_TIMEOUT_MS/);
  });

  it('is fully documented in .env.example', () => {
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const documented = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1]));
    const missing = Object.keys(configSchema.shape).filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });
});
