import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portalCredentialsQuery, type PortalCredentials } from '../../contracts/portal.js';
import { GET_1C_PRICE, ROBOT_DECLARATIONS } from '../../contracts/robot-declarations.js';
import { portalWorkflowId, provisionWorkflowId } from '../../contracts/workflow-ids.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  // An app with a UI: nothing is installed until the administrator's browser runs the install page.
  stack = await startStack({ install: false });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const installUrl = () => `${stack.apiUrl}/bitrix24/install`;

async function credentials(): Promise<PortalCredentials | null> {
  return stack.temporal.client.workflow.getHandle(portalWorkflowId(stack.emulator.memberId)).query(portalCredentialsQuery);
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('install of an app with a UI, in a real browser', () => {
  it('until BX24.installFinish() the install is not finished: no application token, no events', async () => {
    const posted = await stack.emulator.postInstallForm(installUrl(), { userId: 1 });
    expect(posted.status).toBe(200);
    expect(String(posted.body)).toContain('BX24.installFinish()');
    expect(stack.emulator.state.appInstalled).toBe(false);
    // The tokens are stored, the application token is not known yet: calls cannot be verified.
    expect(await credentials()).toMatchObject({ memberId: stack.emulator.memberId, applicationToken: null });
    const robot = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, { code: GET_1C_PRICE.code, properties: { article: 'SKU-001' } });
    expect(robot.status).toBe(401);

    await stack.temporal.client.workflow.getHandle(provisionWorkflowId(stack.emulator.memberId)).result();
    const eventsBefore = stack.emulator.state.deliveries.filter((delivery) => delivery.kind === 'event').length;
    stack.emulator.userAddsItem(2, { title: 'While the install is pending' });
    await stack.emulator.settleDeliveries();
    expect(stack.emulator.state.deliveries.filter((delivery) => delivery.kind === 'event')).toHaveLength(eventsBefore);
  });

  it('the page loads the BX24 library under its CSP and finishes the install; ONAPPINSTALL brings the application token', async () => {
    const page = await browser.newPage();
    const cspReports: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspReports.push(message.text());
    });
    const open = new URL(`${stack.emulator.url}/_emulator/install/open`);
    open.search = new URLSearchParams({ installUrl: installUrl(), userId: '1' }).toString();
    await page.goto(open.toString());
    await page.waitForSelector('#install-state[data-state="installed"]', { timeout: 100_000 });
    const frame = page.frame({ name: 'app-install' });
    expect(await frame?.textContent('h1')).toBe('b24-temporal is installed');
    expect(cspReports).toEqual([]);
    await page.close();

    expect(stack.emulator.state.appInstalled).toBe(true);
    await until(
      () => stack.emulator.state.deliveries.some((delivery) => delivery.event === 'ONAPPINSTALL' && delivery.status === 200),
      'ONAPPINSTALL to be accepted',
    );
    expect((await credentials())?.applicationToken).toBe(stack.emulator.applicationToken);
  }, 120_000);

  it('then everything works: robots are registered and answered, CRM events are delivered and accepted', async () => {
    await stack.temporal.client.workflow.getHandle(provisionWorkflowId(stack.emulator.memberId)).result();
    const registered = [...stack.emulator.state.robots.keys(), ...stack.emulator.state.activities.keys()].sort();
    expect(registered).toEqual(ROBOT_DECLARATIONS.map((declaration) => declaration.code).sort());

    const fired = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, { code: GET_1C_PRICE.code, properties: { article: 'SKU-001' } });
    expect(fired.status).toBe(200);
    expect((await stack.emulator.waitForRobotCompletion(fired.eventToken, 60_000)).returnValues).toMatchObject({ available: true });

    stack.emulator.userAddsItem(2, { title: 'After the install' });
    await stack.emulator.settleDeliveries();
    const delivered = stack.emulator.state.deliveries.filter((delivery) => delivery.event === 'ONCRMDEALADD');
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.every((delivery) => delivery.status === 200)).toBe(true);
  });
});
