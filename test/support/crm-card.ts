import type { Browser, Frame, Page } from 'playwright-core';
import type { Stack } from './stack.js';

/**
 * The CRM card as the portal shows it, with the runs tab in its frame, opened by `userId`: the emulator's page posts
 * the placement call into the tab's iframe, as Bitrix24 does.
 */
export async function openRunsTabCard(browser: Browser, stack: Stack, dealId: number, userId: number): Promise<{ page: Page; tab: Frame }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const url = new URL(`${stack.emulator.url}/_emulator/placements/open`);
  url.search = new URLSearchParams({
    handlerUrl: `${stack.apiUrl}/bitrix24/placements/runs`,
    placement: 'CRM_DEAL_DETAIL_TAB',
    id: String(dealId),
    userId: String(userId),
  }).toString();
  await page.goto(url.toString());
  const tab = page.frame({ name: 'placement' });
  if (!tab) throw new Error('the card has no placement frame');
  await tab.waitForSelector('h1', { timeout: 15_000 });
  return { page, tab };
}
