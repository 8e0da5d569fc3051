import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { temporal } from '@temporalio/proto';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { historyText } from '../support/history-text.js';
import { startService, waitForHttpOk, type ServiceProcess } from '../support/service-process.js';
import { freePort, startStack, type Stack } from '../support/stack.js';

const resultsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-results');
const SCREENSHOT = resolve(resultsDir, 'web-ui-decoded-run.png');
const CLI_TOKEN = 'operators-cli-codec-token-0123456789abcdef';

type ProtoPayload = temporal.api.common.v1.IPayload;
type ProtoFailure = temporal.api.failure.v1.IFailure;

let stack: Stack;
let browser: Browser;
let productionApi: ServiceProcess | undefined;
let productionApiUrl: string;

beforeAll(async () => {
  // The dev server runs its Web UI with --ui-codec-endpoint on the API, as `npm start` does.
  // 1C down past a 2-second bound makes a GET_1C_PRICE run record a failed activity and still complete.
  stack = await startStack({ webUi: true, env: { ONEC_RETRY_BOUND_SECONDS: '2' } });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await productionApi?.stop();
  await stack?.stop();
});

async function runPriceRobot(article: string): Promise<{ workflowId: string; runId: string }> {
  const fired = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, {
    code: GET_1C_PRICE.code,
    documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_41'],
    properties: { article },
  });
  expect(fired.status).toBe(200);
  const { workflowId } = fired.body as { workflowId: string };
  const handle = stack.temporal.client.workflow.getHandle(workflowId);
  await handle.result();
  return { workflowId, runId: (await handle.describe()).runId };
}

/** The history exactly as the server stores it: no data converter, no codec. */
async function rawHistory(run: { workflowId: string; runId: string }): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const response = await stack.temporal.client.workflowService.getWorkflowExecutionHistory({
    namespace: stack.temporal.namespace ?? 'default',
    execution: run,
  });
  return response.history?.events ?? [];
}

function toCodecJson(payloads: ProtoPayload[]) {
  return {
    payloads: payloads.map((payload) => ({
      metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
      data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}

function decodedText(body: string): string {
  const { payloads } = JSON.parse(body) as { payloads: { data: string }[] };
  return payloads.map((payload) => Buffer.from(payload.data, 'base64').toString('utf8')).join('\n');
}

async function postCodec(baseUrl: string, payloads: ProtoPayload[], authorization?: string): Promise<Response> {
  return fetch(`${baseUrl}/codec/decode`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-namespace': stack.temporal.namespace ?? 'default',
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify(toCodecJson(payloads)),
  });
}

function runPageUrl(run: { workflowId: string; runId: string }): string {
  return `${stack.webUiUrl}/namespaces/${stack.temporal.namespace ?? 'default'}/workflows/${encodeURIComponent(run.workflowId)}/${run.runId}/history`;
}

function failuresIn(events: temporal.api.history.v1.IHistoryEvent[]): ProtoFailure[] {
  const failures: ProtoFailure[] = [];
  for (const event of events) {
    const failure = event.activityTaskFailedEventAttributes?.failure ?? event.activityTaskTimedOutEventAttributes?.failure;
    for (let current = failure; current; current = current.cause) failures.push(current);
  }
  return failures;
}

describe('operators read runs in the Web UI through the codec server (headless Chromium, dev server UI)', () => {
  let priceRun: { workflowId: string; runId: string };

  it('shows the input and the result of a GET_1C_PRICE run in clear text on its run page', async () => {
    priceRun = await runPriceRobot('SKU-001');
    // Without the codec these are ciphertext in the history the UI reads.
    expect(historyText(await rawHistory(priceRun))).not.toContain('SKU-001');

    const page = await browser.newPage({ viewport: { width: 1440, height: 1400 } });
    try {
      await page.goto(runPageUrl(priceRun));
      // The UI fetches the history, then asks the codec (from the browser) to decode each event's payloads.
      // (The UI's CSP forbids evaluated strings, so the page text is polled through a locator.)
      await expect
        .poll(async () => page.locator('body').innerText(), { timeout: 60_000, interval: 500 })
        .toMatch(/SKU-001[\s\S]*1250\.5|1250\.5[\s\S]*SKU-001/);
      const text = await page.locator('body').innerText();
      expect(text).toContain('SKU-001');
      expect(text).toContain('1250.5');
      expect(text).not.toContain('binary/encrypted');
      mkdirSync(resultsDir, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } finally {
      await page.close();
    }
  }, 120_000);

  it('keeps a failed activity message out of the stored history and decodes it for the UI', async () => {
    stack.onec.setDown(true);
    let failedRun: { workflowId: string; runId: string };
    try {
      failedRun = await runPriceRobot('SKU-003');
    } finally {
      stack.onec.setDown(false);
    }
    const events = await rawHistory(failedRun);
    const failures = failuresIn(events);
    expect(failures.length).toBeGreaterThan(0);
    const stored = historyText(events);
    expect(stored).not.toContain('1C is unavailable');
    expect(stored).not.toMatch(/at \S+ \(.*\.ts:\d+:\d+\)/);

    const encodedAttributes = failures.flatMap((failure) => (failure.encodedAttributes ? [failure.encodedAttributes] : []));
    expect(encodedAttributes.length).toBeGreaterThan(0);
    const response = await postCodec(stack.apiUrl, encodedAttributes);
    expect(response.status).toBe(200);
    expect(decodedText(await response.text())).toContain('1C is unavailable');

    // And the operator reads it on the run page, decoded by the same codec from the browser.
    const page = await browser.newPage({ viewport: { width: 1440, height: 1400 } });
    try {
      await page.goto(runPageUrl(failedRun));
      // The list shows the failure's placeholder message; an event's details show its decoded encodedAttributes.
      const failedEvents = page.getByText('Activity Task Failed', { exact: true });
      await failedEvents.first().waitFor({ timeout: 60_000 });
      for (const event of await failedEvents.all()) await event.click();
      await expect.poll(async () => page.locator('body').innerText(), { timeout: 60_000, interval: 500 }).toContain('1C is unavailable');
      await page.screenshot({ path: resolve(resultsDir, 'web-ui-decoded-failure.png'), fullPage: true });
    } finally {
      await page.close();
    }
  }, 120_000);

  it('refuses a production-mode codec call without the token (401, nothing decoded) and decodes with it', async () => {
    const port = await freePort();
    productionApiUrl = `http://127.0.0.1:${port}`;
    productionApi = startService('api-production-codec', 'api/server.ts', {
      ...stack.env,
      PORT: String(port),
      CODEC_AUTH: 'required',
      CODEC_STATIC_TOKEN: CLI_TOKEN,
      CODEC_CORS_ORIGINS: stack.webUiUrl,
    });
    await waitForHttpOk(`${productionApiUrl}/readyz`, 60_000, productionApi);
    const started = (await rawHistory(priceRun)).find((event) => event.workflowExecutionStartedEventAttributes);
    const input = started?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    expect(input.length).toBeGreaterThan(0);

    for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${CLI_TOKEN}x`]) {
      const refused = await postCodec(productionApiUrl, input, authorization);
      expect(refused.status).toBe(401);
      const body = await refused.text();
      expect(body).not.toContain('SKU-001');
      expect(body).not.toContain('payloads');
    }
    const allowed = await postCodec(productionApiUrl, input, `Bearer ${CLI_TOKEN}`);
    expect(allowed.status).toBe(200);
    expect(decodedText(await allowed.text())).toContain('SKU-001');
  }, 120_000);
});
