// The classify page of the built app in the flow and reach tests: open a recording,
// wait for its result (accepting the first-use download plan if it shows), read the
// probabilities the aggregate bar chart shows.
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { goto } from './app-driver.ts';

/** Probabilities shown by the aggregate bar chart of the classify page. */
export async function shownProbs(page: Page): Promise<number[]> {
  const rows = page.locator('classify-page #aggregate .bar-row');
  await expect.poll(() => rows.count()).toBe(6);
  return rows.evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.prob)));
}

export interface AwaitResultOptions {
  /** Wait for the result of this region (the #result's data-start / data-end). */
  region?: { start: number; end: number };
  /** Called when the download plan shows, before it is accepted. */
  onAccept?: () => void;
}

/** Waits for a result (accepting the first-use download plan if it shows) and returns its probabilities. */
export async function awaitResult(page: Page, opts: AwaitResultOptions = {}): Promise<number[]> {
  const { region } = opts;
  const accept = page.locator('classify-page #accept-download');
  const result = region ? page.locator(`classify-page #result[data-start="${region.start}"][data-end="${region.end}"]`) : page.locator('classify-page #result');
  const error = page.locator('classify-page #error');
  await expect.poll(async () => (await accept.count()) + (await result.count()) + (await error.count()), { timeout: 120_000 }).toBeGreaterThan(0);
  if (await accept.count()) {
    opts.onAccept?.();
    await accept.click();
  }
  await expect.poll(async () => (await result.count()) + (await error.count()), { timeout: 120_000 }).toBeGreaterThan(0);
  if (await error.count()) throw new Error(`classify failed: ${await error.textContent()}`);
  return shownProbs(page);
}

/** Opens `wav` on the classify page and returns the probabilities of its result. */
export async function classifyFile(page: Page, base: string, wav: string, opts: AwaitResultOptions = {}): Promise<number[]> {
  await goto(page, base, 'classify');
  await page.locator('classify-page #file-input').setInputFiles(wav);
  return awaitResult(page, opts);
}
