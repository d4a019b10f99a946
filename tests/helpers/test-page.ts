// One test page per describe block: dev server, Chromium and the page, opened before
// the block's tests and closed after them (the setup every browser test repeated).
import { afterAll, beforeAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, startDevServer } from './browser.ts';

export interface TestPage {
  readonly browser: Browser;
  readonly page: Page;
  /** Base URL of the dev server. */
  readonly url: string;
}

/**
 * For a describe block: before its tests, starts the dev server and Chromium and opens
 * `tests/browser/pages/<name>` (page errors are logged); after them, closes both.
 * Hooks the caller registers later run after this page is open.
 */
export function useTestPage(name: string, opts: { viewport?: { width: number; height: number } } = {}): TestPage {
  let browser: Browser | undefined;
  let page: Page | undefined;
  let server: Awaited<ReturnType<typeof startDevServer>> | undefined;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startDevServer(), launchChromium()]);
    page = await browser.newPage(opts.viewport ? { viewport: opts.viewport } : {});
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(`${server.url}/tests/browser/pages/${name}`);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  const ready = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('useTestPage: used before its beforeAll ran');
    return v;
  };
  return {
    get browser() {
      return ready(browser);
    },
    get page() {
      return ready(page);
    },
    get url() {
      return ready(server).url;
    },
  };
}
