import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { SA_OUTCOME } from '../../contracts/search-attributes.js';
import { openRunsTabCard } from '../support/crm-card.js';
import { startStack, type Stack } from '../support/stack.js';

const resultsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-results');
const WEB_UI = 'http://127.0.0.1:8233';
const USERS = { responsible: 3, otherManager: 2 } as const;

let stack: Stack;
let browser: Browser;
let dealId: number;
let documentKey: string;

beforeAll(async () => {
  // 1C down past a 2-second bound makes GET_1C_PRICE finish as failed instead of retrying for ten minutes.
  // Provisioning runs right after the install, while the tab is opened: a bucket that fits both (this is about the tab).
  stack = await startStack({ emulator: { rateLimit: { perSecond: 20, burst: 200 } }, env: { ONEC_RETRY_BOUND_SECONDS: '2', TEMPORAL_WEB_UI_URL: WEB_UI } });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  dealId = stack.emulator.state.addItem(2, { title: 'Pumps for Acme', assignedById: USERS.responsible }).id;
  documentKey = `DEAL_${dealId}`;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function runPriceRobot(article: string): Promise<string> {
  const fired = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, {
    code: GET_1C_PRICE.code,
    documentId: ['crm', 'CCrmDocumentDeal', documentKey],
    properties: { article },
  });
  expect(fired.status).toBe(200);
  const { workflowId } = fired.body as { workflowId: string };
  await stack.temporal.client.workflow.getHandle(workflowId).result();
  return workflowId;
}

/** Visibility is eventually consistent: wait until the item's runs show the expected outcomes. */
async function waitForOutcomes(expected: string[]): Promise<void> {
  const query = `B24Document = '${documentKey}' AND ExecutionStatus != 'Running'`;
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const outcomes: string[] = [];
    for await (const run of stack.temporal.client.workflow.list({ query })) outcomes.push(String(run.typedSearchAttributes.get(SA_OUTCOME)));
    if (JSON.stringify(outcomes.sort()) === JSON.stringify([...expected].sort())) return;
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  throw new Error(`runs of ${documentKey} never showed outcomes ${expected.join(', ')}`);
}

const openCard = (userId: number) => openRunsTabCard(browser, stack, dealId, userId);

function timelineLines(): string[] {
  return stack.emulator.state.timelineMessages
    .filter((entry) => entry.entityTypeId === 2 && entry.entityId === dealId)
    .map((entry) => String(entry.text));
}

/** A script (run in the tab's frame) that posts the retry form with the page's own token, as the Retry button would. */
function postRetryForm(action: string, workflowId: string): string {
  return `(() => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = ${JSON.stringify(action)};
    const fields = { token: document.querySelector('input[name="token"]').value, workflowId: ${JSON.stringify(workflowId)} };
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  })()`;
}

describe('runs tab in the CRM card (headless Chromium against the whole stack)', () => {
  let failedWorkflowId: string;

  it('writes one timeline line per finished run, with the result and the Web UI link', async () => {
    const okWorkflowId = await runPriceRobot('SKU-001');
    stack.onec.setDown(true);
    failedWorkflowId = await runPriceRobot('SKU-003');
    stack.onec.setDown(false);
    await waitForOutcomes(['completed', 'failed']);

    const lines = timelineLines();
    expect(lines).toHaveLength(2);
    const okRun = await stack.temporal.client.workflow.getHandle(okWorkflowId).describe();
    expect(lines.find((line) => line.includes('SKU-001 costs 1250.5'))).toContain(
      `${WEB_UI}/namespaces/${stack.temporal.namespace ?? 'default'}/workflows/${encodeURIComponent(okWorkflowId)}/${okRun.runId}`,
    );
    expect(lines.find((line) => line.includes('No price for SKU-003'))).toContain(encodeURIComponent(failedWorkflowId));
  });

  it('shows the item runs to the responsible user, with Retry on the failed run', async () => {
    const { page, tab } = await openCard(USERS.responsible);
    try {
      expect(await tab.locator('h1').innerText()).toContain(`Pumps for Acme (${documentKey})`);
      const rows = tab.locator('tbody tr');
      expect(await rows.count()).toBe(2);
      const failedRow = tab.locator(`tr[data-workflow-id="${failedWorkflowId}"]`);
      expect(await failedRow.locator('.pill').innerText()).toBe('failed');
      expect(await failedRow.innerText()).toContain('No price for SKU-003: 1C could not be reached in time');
      expect(await failedRow.locator('a').getAttribute('href')).toContain(`${WEB_UI}/namespaces/`);
      expect(await tab.locator('button', { hasText: 'Retry' }).count()).toBe(1);
      mkdirSync(resultsDir, { recursive: true });
      await page.screenshot({ path: resolve(resultsDir, 'runs-tab.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('refuses a retry to a manager who is neither responsible nor their department head', async () => {
    const { page, tab } = await openCard(USERS.otherManager);
    try {
      expect(await tab.locator('tbody tr').count()).toBe(2);
      expect(await tab.locator('button', { hasText: 'Retry' }).count()).toBe(0);
      const before = await stack.temporal.client.workflow.count(`WorkflowId = '${failedWorkflowId}'`);
      // The button is not offered; post the same form the responsible user gets, with this user's page token.
      await Promise.all([
        tab.waitForNavigation(),
        tab.evaluate(postRetryForm(`${stack.apiUrl}/bitrix24/placements/runs/retry`, failedWorkflowId)),
      ]);
      expect(await tab.locator('h1').innerText()).toBe('Not allowed');
      expect(await tab.locator('[role="alert"]').innerText()).toBe(
        'Only the responsible person of this item and the head of their department may retry a run.',
      );
      expect((await stack.temporal.client.workflow.count(`WorkflowId = '${failedWorkflowId}'`)).count).toBe(before.count);
    } finally {
      await page.close();
    }
  });

  it('retries the failed run when the responsible user clicks Retry: it runs again, succeeds, and adds its line', async () => {
    const { page, tab } = await openCard(USERS.responsible);
    try {
      const before = await stack.temporal.client.workflow.getHandle(failedWorkflowId).describe();
      await Promise.all([tab.waitForNavigation(), tab.locator('button', { hasText: 'Retry' }).click()]);
      expect(await tab.locator('[role="status"]').innerText()).toContain(`Retry started: ${failedWorkflowId} runs again as`);

      const handle = stack.temporal.client.workflow.getHandle(failedWorkflowId);
      const result = (await handle.result()) as { returnValues: { price: number; available: boolean } };
      expect(result.returnValues).toEqual({ price: 15400, available: true });
      expect((await handle.describe()).runId).not.toBe(before.runId);
      await waitForOutcomes(['completed', 'completed', 'failed']);
      expect(timelineLines().filter((line) => line.includes('SKU-003 costs 15400'))).toHaveLength(1);

      await Promise.all([tab.waitForNavigation(), tab.locator('button', { hasText: 'Reload' }).click()]);
      expect(await tab.locator('tbody tr').count()).toBe(3);
      await page.screenshot({ path: resolve(resultsDir, 'runs-tab-after-retry.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('keeps Bitrix24 tokens out of the service logs', () => {
    const logs = [...stack.api.lines, ...stack.worker.lines].join('\n');
    for (const secret of stack.secrets()) expect(logs.includes(secret)).toBe(false);
  });
});
