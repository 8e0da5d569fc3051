import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBitrix24Client } from '../../../integrations/bitrix24/client.js';
import { createLogger } from '../../../lib/logger.js';
import { createActivityLoggingInterceptor } from '../../../worker/activity-logging-interceptor.js';
import { pinoSdkLogger } from '../../../worker/sdk-logger.js';
import { createMemoryPortalStore } from '../../support/memory-portal-store.js';
import { newSecret, secretTexts } from '../../support/secret-forms.js';

function capture() {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

const leaked = (lines: string[], secrets: string[]) => secrets.filter((secret) => lines.join('\n').includes(secret));

describe("the worker's logging paths never write a secret, in any form", () => {
  const secrets: string[] = [];
  const secret = () => {
    const value = newSecret();
    secrets.push(value);
    return value;
  };

  it('activity attempt lines: failure texts quoting query strings, form bodies, JSON and headers (no redaction on the logger)', async () => {
    const { lines, write } = capture();
    const logger = pino({ level: 'trace' }, { write });
    const env = new MockActivityEnvironment(
      { activityType: 'readDealForErpOrder', attempt: 2 },
      { interceptors: [createActivityLoggingInterceptor({ logger })], logger: new DefaultLogger('ERROR', () => undefined) },
    );
    const texts = secretTexts(secret);
    for (const text of texts) {
      await expect(env.run(async () => Promise.reject(new Error(text)))).rejects.toThrow();
    }
    expect(lines).toHaveLength(texts.length);
    expect(leaked(lines, secrets)).toEqual([]);
  });

  it('SDK and workflow log lines (log.warn with a reason) through the production logger', () => {
    const { lines, write } = capture();
    const sdk = pinoSdkLogger(createLogger({ level: 'trace' }, { write }));
    for (const text of secretTexts(secret)) {
      sdk.warn(`Could not notify the responsible user: ${text}`, { reason: text, taskToken: secret() });
      sdk.error('activity failed', { error: new Error(text) });
    }
    expect(lines.length).toBeGreaterThan(20);
    expect(leaked(lines, secrets)).toEqual([]);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  describe('the Bitrix24 client, through a webhook and an installed portal', () => {
    let server: Server;
    let origin: string;
    beforeAll(async () => {
      // Answers with errors that echo the request: the worst a portal (or a proxy in front of it) can do.
      server = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        request.on('end', () => {
          response.writeHead(400, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: 'INVALID_REQUEST', error_description: `bad request ${request.url} ${body}` }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => server.close());

    it('logs no webhook code, access token or parameter value, and its errors carry none either', async () => {
      const { lines, write } = capture();
      const webhookCode = `hook${secret()}`;
      const accessToken = secret();
      const store = createMemoryPortalStore([
        {
          memberId: 'member-1',
          domain: origin.slice(7),
          clientEndpoint: `${origin}/rest/`,
          serverEndpoint: 'https://oauth.bitrix.info/rest/',
          applicationToken: secret(),
          accessToken,
          refreshToken: secret(),
          expiresAt: Math.floor(Date.now() / 1000) + 3600,
          scope: 'crm',
          version: 1,
        },
      ]);
      const client = createBitrix24Client({
        store,
        webhookUrl: `${origin}/rest/1/${webhookCode}/`,
        logger: createLogger({ level: 'trace' }, { write }),
      });
      const failures: string[] = [];
      for (const memberId of ['member-1', 'unknown-member']) {
        const error = await client.call(memberId, 'crm.deal.get', { id: 1 }).catch((caught: unknown) => caught);
        failures.push(String((error as Error).message), JSON.stringify(error));
      }
      await client.close();
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(leaked([...lines, ...failures], [webhookCode, accessToken])).toEqual([]);
    });
  });
});
