import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { CHECK_CREDIT_LIMIT, ERP_CREATE_ORDER, GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { EMULATOR_DEFAULTS } from '../../emulators/bitrix24/index.js';
import { historyText } from '../support/history-text.js';
import type { Stack } from '../support/stack.js';
import { robotRunFinished, seedDealWithRows, shipmentElementsOf, startFaultStack, waitFor } from './support/fault-stack.js';

const API_KEY = randomBytes(24).toString('hex');

let stack: Stack;
const eventTokens: string[] = [];

beforeAll(async () => {
  // The portal's request limits are not under test here (the runs tab answers 502 while the bucket is full).
  stack = await startFaultStack({ emulator: { rateLimit: false }, env: { EXTERNAL_API_KEYS: `${API_KEY}:${EMULATOR_DEFAULTS.memberId}`, LOG_LEVEL: 'debug' } });
  await runEveryKindOfWork();
});

afterAll(async () => {
  await stack?.stop();
});

/** Robots and activities (one across a token refresh), a CRM event pass, an external write and the runs tab. */
async function runEveryKindOfWork(): Promise<void> {
  const { emulator, apiUrl } = stack;
  const handlerUrl = `${apiUrl}/bitrix24/bizproc`;
  const dealId = seedDealWithRows(emulator, 2);
  const robot = async (code: string, properties: Record<string, unknown>) => {
    const fired = await emulator.fireRobot(handlerUrl, { code, properties, documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${dealId}`] });
    expect(fired.status).toBe(200);
    eventTokens.push(fired.eventToken);
    await robotRunFinished(stack.temporal.client, emulator.memberId, code, fired.eventToken);
  };
  await robot(GET_1C_PRICE.code, { article: 'SKU-001' });
  const refreshesBefore = emulator.refreshCount();
  emulator.expireAccessTokens();
  await robot(GET_1C_PRICE.code, { article: 'SKU-002' });
  expect(emulator.refreshCount()).toBeGreaterThan(refreshesBefore);
  await robot(CHECK_CREDIT_LIMIT.code, { company_id: '1', amount: '1000' });
  await robot(ERP_CREATE_ORDER.code, {});

  emulator.userUpdatesItem(ENTITY_TYPE.deal, dealId, { title: 'Changed by a user' });
  await waitFor(() => shipmentElementsOf(emulator, dealId) === 2, 'the deal pass');

  const write = await fetch(`${apiUrl}/api/v1/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({ idempotencyKey: `secrets-${dealId}`, memberId: emulator.memberId, entityTypeId: ENTITY_TYPE.deal, id: dealId, fields: { comments: 'from the ERP' } }),
  });
  expect(write.status).toBe(202);
  const { workflowId } = (await write.json()) as { workflowId: string };
  await stack.temporal.client.workflow.getHandle(workflowId).result();

  const tab = await emulator.firePlacement(`${apiUrl}/bitrix24/placements/runs`, { placement: 'CRM_DEAL_DETAIL_TAB', options: { ID: String(dealId) } });
  expect(tab.status).toBe(200);
}

/** Every credential the stack holds: OAuth tokens issued so far, the application token, keys, signatures, passwords. */
function secrets(): string[] {
  const { env } = stack;
  const configured = [env.B24_CLIENT_SECRET, env.FINANCE_API_TOKEN ?? 'finance-dev-token', env.JIRA_API_TOKEN ?? 'jira-dev-token', API_KEY];
  const jiraBasic = Buffer.from(`${env.JIRA_EMAIL ?? 'automation@example.com'}:${env.JIRA_API_TOKEN ?? 'jira-dev-token'}`).toString('base64');
  // The signature after the last dot is what makes an event token a capability; its unique part is in workflow ids.
  const signatures = eventTokens.map((token) => token.slice(token.lastIndexOf('.') + 1));
  const all = [...stack.secrets(), ...configured, jiraBasic, ...signatures].filter((value): value is string => typeof value === 'string');
  expect(all.every((secret) => secret.length >= 12)).toBe(true);
  return all;
}

function leaked(text: string): string[] {
  return secrets().filter((secret) => text.includes(secret)).map((secret) => `${secret.slice(0, 4)}… (${secret.length} chars)`);
}

describe('token values', () => {
  it('are absent from every workflow history, read as raw bytes', async () => {
    const service = stack.temporal.connection.workflowService;
    const namespace = stack.temporal.namespace ?? 'default';
    const texts: string[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await service.listWorkflowExecutions({ namespace, pageSize: 100, nextPageToken });
      for (const execution of page.executions) {
        const history = await service.getWorkflowExecutionHistory({ namespace, execution: execution.execution });
        texts.push(`${execution.execution?.workflowId}\n${historyText(history.history)}`);
      }
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    // Positive controls: every kind of run is here, and payload bytes are readable (as the codec's ciphertext).
    const all = texts.join('\n');
    for (const prefix of ['portal/', 'provision/', 'robot/', 'entity/', 'write/']) expect(all).toContain(prefix);
    expect(all).toContain('binary/encrypted');
    expect(all).toContain(stack.emulator.memberId);
    expect(leaked(all)).toEqual([]);
  });

  it('are absent from the worker and API logs', () => {
    const logs = [...stack.api.lines, ...stack.worker.lines].join('\n');
    expect(logs).toContain('workflowId');
    expect(logs).toContain('"level":20');
    expect(leaked(logs)).toEqual([]);
  });

  it('are absent from the metrics of the API, the worker and the Temporal SDK', async () => {
    const endpoints = {
      api: `http://127.0.0.1:${stack.env.API_METRICS_PORT}/metrics`,
      worker: `http://127.0.0.1:${stack.env.WORKER_METRICS_PORT}/metrics`,
      sdk: `http://127.0.0.1:${stack.env.TEMPORAL_SDK_METRICS_PORT}/metrics`,
    };
    const bodies = await Promise.all(Object.values(endpoints).map(async (url) => (await fetch(url)).text()));
    const [api, worker, sdk] = bodies;
    expect(api).toContain('b24_ingress_requests_total');
    expect(worker).toContain('b24_bitrix24_calls_total');
    expect(sdk).toContain('temporal_');
    expect(leaked(bodies.join('\n'))).toEqual([]);
  });
});
