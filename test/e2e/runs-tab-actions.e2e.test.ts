import { chromium, type Browser, type Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFUSALS } from '../../api/placements/access.js';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { openRunsTabCard } from '../support/crm-card.js';
import { startStack, type Stack } from '../support/stack.js';

/** The emulated portal's people: user 1 administers the portal; user 3 heads sales and is the deal's responsible person. */
const USERS = { admin: 1, responsible: 3 } as const;

let stack: Stack;
let browser: Browser;
let dealId: number;

beforeAll(async () => {
  // Provisioning runs right after the install, while the tab is opened: a bucket that fits both (this is about the tab).
  stack = await startStack({ emulator: { rateLimit: { perSecond: 20, burst: 200 } } });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  dealId = stack.emulator.state.addItem(2, { title: 'Valves for Initech', assignedById: USERS.responsible }).id;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A GET_1C_PRICE run on the deal that keeps running: 1C is down and the retry bound is ten minutes. */
async function startLongRun(): Promise<string> {
  stack.onec.setDown(true);
  const fired = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, {
    code: GET_1C_PRICE.code,
    documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${dealId}`],
    properties: { article: 'SKU-002' },
  });
  expect(fired.status).toBe(200);
  const { workflowId } = fired.body as { workflowId: string };
  // The tab lists runs through visibility: wait until it shows this one as running.
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { count } = await stack.temporal.client.workflow.count(`WorkflowId = '${workflowId}' AND ExecutionStatus = 'Running'`);
    if (count === 1) return workflowId;
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  throw new Error(`${workflowId} never showed as running`);
}

const openCard = (userId: number) => openRunsTabCard(browser, stack, dealId, userId);

async function click(tab: Frame, workflowId: string, label: 'Terminate' | 'Retry'): Promise<void> {
  const button = tab.locator(`tr[data-workflow-id="${workflowId}"] button`, { hasText: label });
  await Promise.all([tab.waitForNavigation(), button.click()]);
}

const statusOf = async (workflowId: string) => (await stack.temporal.client.workflow.getHandle(workflowId).describe()).status.name;

describe('runs tab actions against the whole stack: rights asked of Bitrix24 on every click', () => {
  let workflowId: string;

  it('refuses Terminate to an administrator whose rights were revoked after the tab opened; the run keeps running', async () => {
    workflowId = await startLongRun();
    const admin = stack.emulator.state.users.find((user) => user.ID === String(USERS.admin))!;
    const { page, tab } = await openCard(USERS.admin);
    try {
      // The page was opened by an administrator: it offers Terminate.
      expect(await tab.locator(`tr[data-workflow-id="${workflowId}"] button`, { hasText: 'Terminate' }).count()).toBe(1);
      admin.IS_ADMIN = false;
      const asked = stack.emulator.callsTo('user.admin').length;
      await click(tab, workflowId, 'Terminate');
      expect(await tab.locator('h1').innerText()).toBe('Not allowed');
      expect(await tab.locator('[role="alert"]').innerText()).toBe(REFUSALS.terminate);
      // Bitrix24 was asked, with the administrator's own token, at the click.
      expect(stack.emulator.callsTo('user.admin').slice(asked).map((call) => [call.auth, call.userId])).toEqual([['oauth', USERS.admin]]);
    } finally {
      admin.IS_ADMIN = true;
      await page.close();
    }
    expect(await statusOf(workflowId)).toBe('RUNNING');
  });

  it('terminates the run when an administrator clicks Terminate: Temporal shows it terminated', async () => {
    const { page, tab } = await openCard(USERS.admin);
    try {
      await click(tab, workflowId, 'Terminate');
      expect(await tab.locator('[role="status"]').innerText()).toBe(`Terminated ${workflowId}.`);
    } finally {
      await page.close();
    }
    const description = await stack.temporal.client.workflow.getHandle(workflowId).describe();
    expect(description.status.name).toBe('TERMINATED');
    const history = await stack.temporal.client.workflow.getHandle(workflowId, description.runId).fetchHistory();
    const terminated = history.events?.at(-1)?.workflowExecutionTerminatedEventAttributes;
    expect(terminated?.reason).toBe(`terminated from the CRM card by Bitrix24 user ${USERS.admin}`);
  });

  it('retries the terminated run when the responsible person clicks Retry: it runs again and completes', async () => {
    const before = await stack.temporal.client.workflow.getHandle(workflowId).describe();
    stack.onec.setDown(false);
    const { page, tab } = await openCard(USERS.responsible);
    try {
      await click(tab, workflowId, 'Retry');
      expect(await tab.locator('[role="status"]').innerText()).toContain(`Retry started: ${workflowId} runs again as`);
    } finally {
      await page.close();
    }
    const handle = stack.temporal.client.workflow.getHandle(workflowId);
    const result = (await handle.result()) as { returnValues: { available: boolean } };
    expect(result.returnValues).toMatchObject({ available: false });
    const after = await handle.describe();
    expect(after.runId).not.toBe(before.runId);
    expect(after.status.name).toBe('COMPLETED');
  });

  it('keeps Bitrix24 tokens out of the service logs', () => {
    const logs = [...stack.api.lines, ...stack.worker.lines].join('\n');
    for (const secret of stack.secrets()) expect(logs.includes(secret)).toBe(false);
  });
});
