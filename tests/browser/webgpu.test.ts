import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, startDevServer } from '../helpers/browser.ts';

describe('WebGPU in headless Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startDevServer>>;
  beforeAll(async () => {
    server = await startDevServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('is available to a page and to a dedicated worker, and runs a compute shader in both', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/tests/browser/pages/webgpu.html`);
    const result = await page.evaluate(() => (window as unknown as { probeResult: Promise<unknown> }).probeResult);
    const { page: inPage, worker: inWorker } = result as { page: Record<string, unknown>; worker: Record<string, unknown> };
    for (const probe of [inPage, inWorker]) {
      expect(probe.error).toBeUndefined();
      expect(probe.available).toBe(true);
      expect(probe.computeWorks).toBe(true);
    }
    expect(inPage.architecture).toBe('swiftshader');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await page.close();
  });
});
