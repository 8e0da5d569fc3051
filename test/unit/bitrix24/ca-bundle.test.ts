import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBitrix24Client } from '../../../integrations/bitrix24/client.js';
import { createMemoryPortalStore } from '../../support/memory-portal-store.js';
import { portalCredentials } from './support/portal-fixture.js';
import { ok, startStubPortal, type StubPortal } from './support/stub-portal.js';

let directory: string;
let certPath: string;
let portal: StubPortal;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'b24-ca-'));
  certPath = join(directory, 'cert.pem');
  const keyPath = join(directory, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1',
      '-subj', '/CN=on-prem-portal.test', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: 'ignore' },
  );
  portal = await startStubPortal(() => ok({ ID: '1' }), {
    https: { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') },
  });
});
afterAll(async () => {
  await portal.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('private CA bundle (B24_CA_BUNDLE) for on-premise portals', () => {
  it('refuses a self-signed portal without the bundle', async () => {
    const client = createBitrix24Client({ store: createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]) });
    try {
      const failure = await client.call('member-1', 'user.current').catch((error: unknown) => error);
      expect(failure).toMatchObject({ type: 'Bitrix24.NETWORK_ERROR', retryable: true });
      expect(String((failure as Error).message)).toMatch(/self[- ]signed/i);
      expect(portal.requests).toHaveLength(0);
    } finally {
      await client.close();
    }
  });

  it('accepts it with the bundle, keeping verification on', async () => {
    const client = createBitrix24Client({
      store: createMemoryPortalStore([portalCredentials(`${portal.url}rest/`)]),
      caBundlePath: certPath,
    });
    try {
      await expect(client.call('member-1', 'user.current')).resolves.toEqual({ ID: '1' });
      expect(portal.requests).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});
