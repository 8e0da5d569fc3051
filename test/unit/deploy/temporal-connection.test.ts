import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config.js';
import { loadTemporalConnectConfig, resolveTemporalConfig } from '../../../lib/temporal-connection.js';

const dir = mkdtempSync(join(tmpdir(), 'temporal-connection-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const CA = file('ca.pem', 'CA-PEM');
const CERT = file('client.pem', 'CERT-PEM');
const KEY = file('client.key', 'KEY-PEM');

/** HOME points at an empty folder, so no developer's ~/.config/temporalio/temporal.toml leaks into the test. */
function resolve(env: Record<string, string>) {
  const full = { HOME: dir, PAYLOAD_CODEC_KEY: Buffer.alloc(32, 1).toString('base64'), ...env };
  return loadTemporalConnectConfig(loadConfig(full), full);
}

describe('Temporal connection from envconfig names', () => {
  it('defaults to the local dev server without TLS', () => {
    expect(resolve({})).toEqual({ namespace: 'default', connectionOptions: { address: '127.0.0.1:7233', tls: false } });
  });

  it('treats empty values (as .env.example leaves them) as unset', () => {
    const resolved = resolve({ TEMPORAL_API_KEY: '', TEMPORAL_TLS: '', TEMPORAL_TLS_CLIENT_CERT_PATH: '' });
    expect(resolved.connectionOptions).toEqual({ address: '127.0.0.1:7233', tls: false });
  });

  it('turns TLS on for an API key (Temporal Cloud)', () => {
    const resolved = resolve({
      TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'b24.a1b2c',
      TEMPORAL_API_KEY: 'cloud-key-value',
    });
    expect(resolved).toEqual({
      namespace: 'b24.a1b2c',
      connectionOptions: { address: 'us-east-1.aws.api.temporal.io:7233', apiKey: 'cloud-key-value', tls: {} },
    });
  });

  it('reads mTLS files by the envconfig names, server name and CA included', () => {
    const { connectionOptions } = resolve({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: CERT,
      TEMPORAL_TLS_CLIENT_KEY_PATH: KEY,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: CA,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const tls = connectionOptions.tls;
    expect(tls).not.toBe(false);
    if (tls === false) return;
    expect(tls.serverNameOverride).toBe('temporal.internal');
    expect(Buffer.from(tls.serverRootCACertificate ?? []).toString()).toBe('CA-PEM');
    expect(Buffer.from(tls.clientCertPair?.crt ?? []).toString()).toBe('CERT-PEM');
    expect(Buffer.from(tls.clientCertPair?.key ?? []).toString()).toBe('KEY-PEM');
  });

  it('takes inline PEM data (TEMPORAL_TLS_*_DATA) and a CA file', () => {
    const { connectionOptions } = resolve({
      TEMPORAL_TLS_CLIENT_CERT_DATA: 'INLINE-CERT',
      TEMPORAL_TLS_CLIENT_KEY_DATA: 'INLINE-KEY',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: CA,
    });
    const tls = connectionOptions.tls;
    if (tls === false) throw new Error('TLS should be on');
    expect(Buffer.from(tls.clientCertPair?.crt ?? []).toString()).toBe('INLINE-CERT');
    expect(Buffer.from(tls.serverRootCACertificate ?? []).toString()).toBe('CA-PEM');
  });

  it('TEMPORAL_TLS=false wins; any spelling lib/config.ts accepts as true turns TLS on', () => {
    expect(resolve({ TEMPORAL_TLS: 'false' }).connectionOptions.tls).toBe(false);
    expect(resolve({ TEMPORAL_TLS: 'yes' }).connectionOptions.tls).toEqual({});
    expect(resolve({ TEMPORAL_TLS: 'true' }).connectionOptions.tls).toEqual({});
  });

  it('loads a TOML profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE), with TEMPORAL_* variables over it', () => {
    const toml = file(
      'temporal.toml',
      ['[profile.prod]', 'address = "prod.tmprl.cloud:7233"', 'namespace = "prod-ns"', 'api_key = "toml-key"', ''].join('\n'),
    );
    const fromProfile = resolve({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod' });
    expect(fromProfile).toEqual({
      namespace: 'prod-ns',
      connectionOptions: { address: 'prod.tmprl.cloud:7233', apiKey: 'toml-key', tls: {} },
    });
    const overridden = resolve({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod', TEMPORAL_ADDRESS: 'other:7233' });
    expect(overridden.connectionOptions.address).toBe('other:7233');
    expect(overridden.namespace).toBe('prod-ns');
  });

  it("makes a profile's namespace the config's TEMPORAL_NAMESPACE, which every process serves; the variable still wins", () => {
    const toml = file('ns.toml', ['[profile.ns]', 'namespace = "profile-ns"', ''].join('\n'));
    const env = { HOME: dir, PAYLOAD_CODEC_KEY: Buffer.alloc(32, 1).toString('base64'), TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'ns' };
    expect(resolveTemporalConfig(loadConfig(env), env).config.TEMPORAL_NAMESPACE).toBe('profile-ns');
    const explicit = { ...env, TEMPORAL_NAMESPACE: 'from-env' };
    expect(resolveTemporalConfig(loadConfig(explicit), explicit).config.TEMPORAL_NAMESPACE).toBe('from-env');
    const plain = { HOME: dir, PAYLOAD_CODEC_KEY: env.PAYLOAD_CODEC_KEY };
    expect(resolveTemporalConfig(loadConfig(plain), plain).config.TEMPORAL_NAMESPACE).toBe('default');
  });

  it('passes TEMPORAL_GRPC_META_* on as gRPC headers', () => {
    const { connectionOptions } = resolve({ TEMPORAL_GRPC_META_X_TENANT: 'b24' });
    expect(connectionOptions.metadata).toEqual({ 'x-tenant': 'b24' });
  });
});
