import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../../contracts/search-attributes.js';
import { createDataConverter } from '../../../lib/data-converter.js';
import { createLocalEnv, createTimeSkippingEnv, testServerPath } from '../../support/temporal-binaries.js';

// temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD; @temporalio/proto is not a direct dependency.
const INDEXED_VALUE_TYPE_KEYWORD = 2;

describe('createTimeSkippingEnv', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  }, 120_000);
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs our resolved test server, which skips time', async () => {
    expect(testServerPath()).toMatch(/temporal-test-server$/);
    expect(env.supportsTimeSkipping).toBe(true);
    const before = await env.currentTimeMs();
    await env.sleep('2 hours');
    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(2 * 60 * 60 * 1000);
  });
});

describe('createLocalEnv', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createLocalEnv({ dataConverter: createDataConverter(randomBytes(32).toString('base64')) });
  }, 120_000);
  afterAll(async () => {
    await env?.teardown();
  });

  it('registers every custom search attribute as Keyword', async () => {
    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const { name } of CUSTOM_SEARCH_ATTRIBUTES) {
      expect(customAttributes[name], name).toBe(INDEXED_VALUE_TYPE_KEYWORD);
    }
  });

  it('encrypts payloads with our codec when given the data converter', async () => {
    const workflowId = `codec-check-${randomBytes(4).toString('hex')}`;
    const handle = await env.client.workflow.start('noWorkerNeeded', {
      taskQueue: 'codec-check',
      workflowId,
      args: [{ note: 'plaintext-marker' }],
    });
    const history = await handle.fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(Buffer.from(input?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
    expect(Buffer.from(input?.data ?? []).toString()).not.toContain('plaintext-marker');
    await handle.terminate('test done');
  });
});
